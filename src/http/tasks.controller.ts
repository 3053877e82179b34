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
  @ApiOperation({ summary: 'Task inbox: filters county, candidateGroup, assignee, instanceId, businessKey, overdue, status (open); paged' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.tasks.list(user, {
      county: strParam(q.county, 'county', 64),
      candidateGroup: strParam(q.candidateGroup, 'candidateGroup'),
      assignee: strParam(q.assignee, 'assignee'),
      instanceId: strParam(q.instanceId, 'instanceId', 36),
      businessKey: strParam(q.businessKey, 'businessKey'),
      overdue: boolParam(q.overdue, 'overdue'),
      status: strParam(q.status, 'status', 16),
      ...pageParams(q),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task with its form and the variables the form needs' })
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.tasks.get(user, id);
  }

  @Post(':id/claim')
  @HttpCode(200)
  claim(@CurrentUser() user: User, @Param('id') id: string) {
    return this.tasks.claim(user, id);
  }

  @Post(':id/unclaim')
  @HttpCode(200)
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
  comments(@CurrentUser() user: User, @Param('id') id: string) {
    return this.tasks.comments(user, id);
  }

  @Post(':id/comments')
  @HttpCode(201)
  addComment(@CurrentUser() user: User, @Param('id') id: string, @Body() body: { body?: unknown }) {
    return this.tasks.addComment(user, id, body?.body);
  }
}
