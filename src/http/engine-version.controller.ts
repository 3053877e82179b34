import { Controller, Get } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CamundaDeploymentService } from '../workflow/camunda-deployments.service';

@ApiTags('Camunda 7 REST (engine-rest)')
@ApiBearerAuth()
@ApiBasicAuth()
@Controller('engine-rest/version')
export class EngineVersionController {
  constructor(private readonly deployments: CamundaDeploymentService) {}

  @Get()
  @ApiOperation({ summary: 'The Camunda 7 version whose REST subset this server answers ({version})' })
  version() {
    return this.deployments.version();
  }
}
