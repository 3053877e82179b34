/** 双归零 over HTTP: shared problems (共性问题) of a county, their cases and state. */
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { SharedProblemService } from '../problems/shared-problems.service';
import { Act, CurrentUser } from './guard';

@ApiTags('shared-problems')
@ApiBearerAuth()
@Controller('api/v1/counties/:county/shared-problems')
export class SharedProblemsController {
  constructor(private readonly problems: SharedProblemService) {}

  @Get()
  @Act('county.read')
  @ApiOperation({ summary: 'Shared problems with their cases and state, and the counts of 双归零 (problems and cases, closed or not)' })
  list(@CurrentUser() user: User, @Param('county') county: string) {
    return this.problems.list(user, county);
  }

  @Get('candidates')
  @Act('county.read')
  @ApiOperation({ summary: 'Suggested groups: ≥ 2 cases not in a problem sharing service, unit and a 附件1 option' })
  candidates(@CurrentUser() user: User, @Param('county') county: string) {
    return this.problems.candidates(user, county);
  }

  @Post()
  @Act('problem.manage')
  @ApiOperation({ summary: 'Open a shared problem {title, owner, deadline (day or instant), caseIds, cause?: {serviceCode, unitId, option, staffName}}' })
  create(@CurrentUser() user: User, @Param('county') county: string, @Body() body: Record<string, unknown>) {
    return this.problems.create(user, county, body ?? {});
  }

  @Get(':id')
  @Act('county.read')
  @ApiOperation({ summary: 'One shared problem' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string) {
    return this.problems.get(user, county, id);
  }

  @Post(':id/rectify')
  @HttpCode(200)
  @Act('problem.manage')
  @ApiOperation({ summary: 'Its own rectification is done {measures}' })
  rectify(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    return this.problems.rectify(user, county, id, body ?? {});
  }

  @Post(':id/close')
  @HttpCode(200)
  @Act('problem.manage')
  @ApiOperation({ summary: 'Close (双归零): only when every case is archived or revoked and the problem rectified; 409 naming what is open' })
  close(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string) {
    return this.problems.close(user, county, id);
  }
}
