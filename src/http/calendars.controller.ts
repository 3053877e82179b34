/**
 * Calendar years over HTTP: load a year, read its versions, read a county's effective calendar, and ask
 * when a deadline expression falls due.
 */
import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { CalendarService } from '../calendar/calendar.service';
import { Act, CurrentUser } from './guard';

@ApiTags('calendars')
@ApiBearerAuth()
@Controller('api/v1')
export class CalendarsController {
  constructor(private readonly calendars: CalendarService) {}

  @Put('calendars/:scope/:year')
  @Act('calendar.load')
  @ApiOperation({
    summary:
      'Load or correct a calendar year (national: installation administrators; a regional scope: admin or process-admin of every county using it): {holidays: [{date, name}], workdays: [{date, name}], source, level: official|press|secondary, note?}. ' +
      'Writes a new version (400 naming the field when invalid) and recomputes every pending deadline that has not passed in the counties using the scope.',
  })
  load(@CurrentUser() user: User, @Param('scope') scope: string, @Param('year') year: string, @Body() body: unknown) {
    return this.calendars.load(user, scope, year, body);
  }

  @Get('calendars/:county/add')
  @ApiOperation({ summary: 'When does a deadline expression fall due in a county: ?from=<ISO instant with offset, default now>&expr=<expression>; answers the due instant, the days skipped, and whether it is provisional' })
  add(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, unknown>) {
    return this.calendars.add(user, county, q.from, q.expr);
  }

  @Get('calendars/:scope/:year')
  @ApiOperation({ summary: 'A calendar year of a scope: the version in force and every stored version (who loaded it, when, source, level)' })
  versions(@Param('scope') scope: string, @Param('year') year: string) {
    return this.calendars.versions(scope, year);
  }

  @Get('counties/:county/calendar/:year')
  @ApiOperation({ summary: "A county's effective calendar for a year: every non-working day and make-up workday with name and scope, and the scopes that lack data for the year" })
  county(@CurrentUser() user: User, @Param('county') county: string, @Param('year') year: string) {
    return this.calendars.countyCalendar(user, county, year);
  }
}
