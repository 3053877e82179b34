import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { InstanceService } from '../workflow/instances.service';
import { CurrentUser } from './guard';
import { pageParams, strParam } from './params';

@ApiTags('process instances')
@ApiBearerAuth()
@Controller('api/v1')
export class InstancesController {
  constructor(private readonly instances: InstanceService) {}

  @Post('counties/:county/process-instances')
  @HttpCode(201)
  @ApiOperation({ summary: 'Start an instance: {processKey, businessKey?, variables?}; runs until every branch waits or ends' })
  start(@CurrentUser() user: User, @Param('county') county: string, @Body() body: Record<string, unknown>) {
    return this.instances.start(user, county, body ?? {});
  }

  @Get('process-instances')
  @ApiOperation({ summary: 'Instances, filtered by county, processKey, businessKey, status; paged with limit/offset' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.instances.list(user, {
      county: strParam(q.county, 'county', 64),
      processKey: strParam(q.processKey, 'processKey'),
      businessKey: strParam(q.businessKey, 'businessKey'),
      status: strParam(q.status, 'status', 16),
      ...pageParams(q),
    });
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
