import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClockService } from '../workflow/clock.service';
import { Act } from './guard';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1/admin/clock')
export class ClockController {
  constructor(private readonly clock: ClockService) {}

  @Get()
  read() {
    return this.clock.read();
  }

  @Put()
  @Act('clock.set')
  @ApiOperation({ summary: 'Set simulated time (installation administrators only) {now: ISO instant} (CLOCK_CONTROL=true only) and fire every timer due then' })
  set(@Body() body: { now?: unknown }) {
    return this.clock.set(body?.now);
  }
}
