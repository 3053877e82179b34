import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { TaskService } from '../workflow/tasks.service';
import { CurrentUser } from './guard';
import { boolParam, pageParams, strParam } from './params';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('api/v1/tasks')
export class TasksController {
  constructor(private readonly tasks: TaskService) {}

  @Get()
  @ApiOperation({ summary: 'Task inbox: filters county, candidateGroup, assignee, instanceId, businessKey, overdue, status (open); paged by limit and offset, or by after (the next of the previous page); total counted up to 1,000 (totalIsCapped beyond)' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.tasks.list(user, {
      county: strParam(q.county, 'county', 64),
      candidateGroup: strParam(q.candidateGroup, 'candidateGroup'),
      assignee: strParam(q.assignee, 'assignee'),
      instanceId: strParam(q.instanceId, 'instanceId', 36),
      businessKey: strParam(q.businessKey, 'businessKey'),
      overdue: boolParam(q.overdue, 'overdue'),
      status: strParam(q.status, 'status', 16),
      after: strParam(q.after, 'after', 300),
      ...pageParams(q),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task with its form, the variables the form needs, and its completion input (personal data masked; reveal=true shows it in clear to a pii-reader, audited)' })
  get(@CurrentUser() user: User, @Param('id') id: string, @Query('reveal') reveal?: string) {
    return this.tasks.get(user, id, boolParam(reveal, 'reveal') ?? false);
  }

  @Post(':id/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Claim (those who may act on the task); 409 when someone else holds it; the holder claiming again changes nothing' })
  claim(@CurrentUser() user: User, @Param('id') id: string) {
    return this.tasks.claim(user, id);
  }

  @Post(':id/unclaim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release a claim (the holder, or an administrator)' })
  unclaim(@CurrentUser() user: User, @Param('id') id: string) {
    return this.tasks.unclaim(user, id);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete with {variables}: validated against the task form (400 naming the field), 409 if already completed' })
  complete(@CurrentUser() user: User, @Param('id') id: string, @Body() body: { variables?: unknown }) {
    return this.tasks.complete(user, id, body?.variables);
  }

  @Get(':id/comments')
  @ApiOperation({ summary: 'Comments of a task (personal data masked; reveal=true for a pii-reader, audited)' })
  comments(@CurrentUser() user: User, @Param('id') id: string, @Query('reveal') reveal?: string) {
    return this.tasks.comments(user, id, boolParam(reveal, 'reveal') ?? false);
  }

  @Post(':id/comments')
  @HttpCode(201)
  @ApiOperation({ summary: 'Comment {body} (those who may act on the task); phone and ID numbers in it are masked, the original kept encrypted' })
  addComment(@CurrentUser() user: User, @Param('id') id: string, @Body() body: { body?: unknown }) {
    return this.tasks.addComment(user, id, body?.body);
  }
}
