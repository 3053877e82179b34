import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { MigrationService } from '../workflow/migrations.service';
import { Act, CurrentUser } from './guard';

@ApiTags('definitions')
@ApiBearerAuth()
@Controller('api/v1')
export class MigrationsController {
  constructor(private readonly migrations: MigrationService) {}

  @Post('counties/:county/migrations')
  @HttpCode(200)
  @Act('migration.run')
  @ApiOperation({ summary: 'Move the running instances of a process to a deployed version: {processKey, toVersion, migration: {old: new}, keepStranded, dryRun}' })
  migrate(@CurrentUser() user: User, @Param('county') county: string, @Body() body: unknown) {
    return this.migrations.migrateTo(user, county, body);
  }

  @Get('migrations/:id')
  @Act('migration.read')
  @ApiOperation({ summary: 'A migration: instances moved, and those left on their version with the reason' })
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.migrations.get(user, id);
  }
}
