import { Controller, Get, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { ExternalTaskService } from '../workflow/external-tasks.service';
import { Act, CurrentUser } from './guard';

@ApiTags('Camunda 7 REST (engine-rest)')
@ApiBearerAuth()
@ApiBasicAuth()
@Controller('engine-rest/incident')
export class EngineIncidentsController {
  constructor(private readonly externalTasks: ExternalTaskService) {}

  @Get()
  @Act('incident.read')
  @ApiOperation({ summary: 'Incidents: external tasks whose retries ran out (processInstanceId, activityId, tenantIdIn)' })
  list(@CurrentUser() user: User, @Query() q: Record<string, unknown>) {
    return this.externalTasks.incidents(user, q);
  }
}
