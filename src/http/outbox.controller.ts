import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { OutboxService } from '../notifications/outbox.service';
import { Act, CurrentUser } from './guard';
import { pageParams, strParam } from './params';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1/admin/outbox')
export class OutboxController {
  constructor(private readonly outbox: OutboxService) {}

  @Get()
  @Act('outbox.read')
  @ApiOperation({ summary: 'Notifications waiting, delivered or dead, newest first, each with its instance and business key (the case); filters status, instanceId, businessKey' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.outbox.list(user, {
      status: strParam(q.status, 'status', 16),
      instanceId: strParam(q.instanceId, 'instanceId', 36),
      businessKey: strParam(q.businessKey, 'businessKey'),
      ...pageParams(q),
    });
  }
}
