import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { User } from '../auth/access';
import { CamundaTaskService } from '../workflow/camunda-tasks.service';
import { CurrentUser } from './guard';

/** Camunda 7 REST user tasks: the native inbox (same access, forms, journal) in Camunda's shapes. */
@ApiTags('Camunda 7 REST (engine-rest)')
@ApiBearerAuth()
@ApiBasicAuth()
@Controller('engine-rest/task')
export class EngineTasksController {
  constructor(private readonly tasks: CamundaTaskService) {}

  @Get()
  @ApiOperation({ summary: 'Tasks: processInstanceId, processInstanceBusinessKey, assignee, candidateGroup, taskDefinitionKey, tenantIdIn, firstResult, maxResults' })
  list(@CurrentUser() user: User, @Query() q: Record<string, unknown>) {
    return this.tasks.list(user, q);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Tasks, the filters in a JSON body' })
  query(@CurrentUser() user: User, @Query() q: Record<string, unknown>, @Body() body: Record<string, unknown>) {
    return this.tasks.list(user, { ...(body && typeof body === 'object' ? body : {}), firstResult: q.firstResult, maxResults: q.maxResults });
  }

  @Get('count')
  count(@CurrentUser() user: User, @Query() q: Record<string, unknown>) {
    return this.tasks.count(user, q);
  }

  @Post('count')
  @HttpCode(200)
  countQuery(@CurrentUser() user: User, @Body() body: Record<string, unknown>) {
    return this.tasks.count(user, body && typeof body === 'object' ? body : {});
  }

  @Get(':id')
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.tasks.get(user, id);
  }

  @Post(':id/claim')
  @HttpCode(204)
  async claim(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.tasks.claim(user, id, body);
  }

  @Post(':id/unclaim')
  @HttpCode(204)
  async unclaim(@CurrentUser() user: User, @Param('id') id: string) {
    await this.tasks.unclaim(user, id);
  }

  @Post(':id/assignee')
  @HttpCode(204)
  async assignee(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.tasks.setAssignee(user, id, body);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete with {variables: {name: {value, type}}}, checked against the task form; 204, or 200 with the variables when withVariablesInReturn' })
  async complete(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const vars = await this.tasks.complete(user, id, body);
    if (!vars) reply.status(204);
    return vars;
  }

  @Post(':id/submit-form')
  @HttpCode(200)
  @ApiOperation({ summary: 'The same as complete (a form submitted with its variables)' })
  async submitForm(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const vars = await this.tasks.complete(user, id, body);
    if (!vars) reply.status(204);
    return vars;
  }

  @Get(':id/form-variables')
  formVariables(@CurrentUser() user: User, @Param('id') id: string, @Query() q: Record<string, unknown>) {
    return this.tasks.formVariables(user, id, q);
  }

  @Get(':id/variables')
  variables(@CurrentUser() user: User, @Param('id') id: string, @Query() q: Record<string, unknown>) {
    return this.tasks.variables(user, id, q);
  }

  @Post(':id/comment/create')
  @HttpCode(200)
  addComment(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    return this.tasks.addComment(user, id, body);
  }

  @Get(':id/comment')
  comments(@CurrentUser() user: User, @Param('id') id: string) {
    return this.tasks.comments(user, id);
  }
}
