import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { OutboxService } from '../notifications/outbox.service';
import { CurrentUser, Roles } from './guard';
import { pageParams, strParam } from './params';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1/admin/outbox')
export class OutboxController {
  constructor(private readonly outbox: OutboxService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Notifications waiting, delivered or dead (status filter), newest first, with the instance they belong to' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.outbox.list(user, { status: strParam(q.status, 'status', 16), ...pageParams(q) });
  }
}
