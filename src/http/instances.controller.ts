import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { InstanceService } from '../workflow/instances.service';
import { Act, CurrentUser } from './guard';
import { boolParam, pageParams, strParam } from './params';

@ApiTags('process instances')
@ApiBearerAuth()
@Controller('api/v1')
export class InstancesController {
  constructor(private readonly instances: InstanceService) {}

  @Post('counties/:county/process-instances')
  @HttpCode(201)
  @Act('instance.start')
  @ApiOperation({
    summary:
      'Start an instance by hand (administrators and process administrators; cases start from ratings and complaints): {processKey, businessKey?, variables?}; runs until every branch waits or ends. A start over its budget answers 201 with the instance stopped by an incident',
  })
  start(@CurrentUser() user: User, @Param('county') county: string, @Body() body: Record<string, unknown>) {
    return this.instances.start(user, county, body ?? {});
  }

  @Get('process-instances')
  @ApiOperation({ summary: 'Instances, filtered by county, processKey, businessKey, status, incident (true: stopped by an incident or failed; administrators); paged with limit/offset' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.instances.list(user, {
      county: strParam(q.county, 'county', 64),
      processKey: strParam(q.processKey, 'processKey', 128),
      businessKey: strParam(q.businessKey, 'businessKey'),
      status: strParam(q.status, 'status', 16),
      incident: boolParam(q.incident, 'incident'),
      ...pageParams(q),
    });
  }

  @Post('process-instances/:id/retry')
  @HttpCode(200)
  @Act('instance.retry')
  @ApiOperation({
    summary:
      'Retry an instance stopped by an incident, after a fix: its aborted step runs again (a start: on the current version of its process, with {variables} corrected when given). 409 when aborted again',
  })
  retry(@CurrentUser() user: User, @Param('id') id: string, @Body() body: unknown) {
    return this.instances.retry(user, id, body);
  }

  @Get('process-instances/:id')
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.instances.get(user, id);
  }

  @Get('process-instances/:id/history')
  @ApiOperation({ summary: 'Every step of the instance in order: activities entered, waited, completed, flows taken, timers, tasks, services' })
  history(@CurrentUser() user: User, @Param('id') id: string) {
    return this.instances.history(user, id);
  }
}
