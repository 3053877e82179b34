import { Body, Controller, Get, HttpCode, OnModuleDestroy, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { User } from '../auth/access';
import { ExternalTaskService } from '../workflow/external-tasks.service';
import { Act, CurrentUser } from './guard';

/** Camunda 7 REST external tasks, for workers (role worker) such as camunda-external-task-client-js. */
@ApiTags('Camunda 7 REST (engine-rest)')
@ApiBearerAuth()
@ApiBasicAuth()
@Controller('engine-rest/external-task')
export class EngineExternalTasksController implements OnModuleDestroy {
  constructor(private readonly externalTasks: ExternalTaskService) {}

  /** Shutdown: long polls answer at once, so the server closes without waiting for them. */
  onModuleDestroy() {
    this.externalTasks.close();
  }

  @Post('fetchAndLock')
  @HttpCode(200)
  @Act('external.work')
  @ApiOperation({ summary: 'Fetch and lock {workerId, maxTasks, usePriority, asyncResponseTimeout (long polling, ≤ 1,800,000 ms), topics: [{topicName, lockDuration, variables}]}' })
  fetchAndLock(@CurrentUser() user: User, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const gone = new AbortController();
    reply.raw.on('close', () => gone.abort());
    return this.externalTasks.fetchAndLock(user, body, gone.signal);
  }

  @Get()
  @Act('external.read')
  list(@CurrentUser() user: User, @Query() q: Record<string, unknown>) {
    return this.externalTasks.list(user, q);
  }

  @Get('count')
  @Act('external.read')
  count(@CurrentUser() user: User, @Query() q: Record<string, unknown>) {
    return this.externalTasks.count(user, q);
  }

  @Get(':id')
  @Act('external.read')
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.externalTasks.get(user, id);
  }

  @Get(':id/errorDetails')
  @Act('external.read')
  async errorDetails(@CurrentUser() user: User, @Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    // Text only once found: an error answers JSON like every other.
    const details = await this.externalTasks.errorDetails(user, id);
    reply.type('text/plain; charset=utf-8');
    return details;
  }

  @Post(':id/complete')
  @HttpCode(204)
  @Act('external.work')
  @ApiOperation({ summary: 'Complete {workerId, variables}: the instance moves on (an engine step, journaled with the variables)' })
  async complete(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.externalTasks.complete(user, id, body);
  }

  @Post(':id/bpmnError')
  @HttpCode(204)
  @Act('external.work')
  @ApiOperation({ summary: 'Throw a BPMN error {workerId, errorCode, errorMessage, variables} to an error boundary event of the task' })
  async bpmnError(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.externalTasks.bpmnError(user, id, body);
  }

  @Post(':id/failure')
  @HttpCode(204)
  @Act('external.work')
  @ApiOperation({ summary: 'Report a failure {workerId, errorMessage, errorDetails, retries, retryTimeout}; at retries 0 the task becomes an incident' })
  async failure(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.externalTasks.failure(user, id, body);
  }

  @Post(':id/extendLock')
  @HttpCode(204)
  @Act('external.work')
  async extendLock(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.externalTasks.extendLock(user, id, body);
  }

  @Post(':id/lock')
  @HttpCode(204)
  @Act('external.work')
  async lock(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.externalTasks.lock(user, id, body);
  }

  @Post(':id/unlock')
  @HttpCode(204)
  @Act('external.work')
  async unlock(@CurrentUser() user: User, @Param('id') id: string) {
    await this.externalTasks.unlock(user, id);
  }

  @Put(':id/retries')
  @HttpCode(204)
  @Act('external.retries')
  @ApiOperation({ summary: 'Set the retries {retries}: above 0 resolves the incident and the task is fetched again' })
  async retries(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    await this.externalTasks.setRetries(user, id, body);
  }
}
