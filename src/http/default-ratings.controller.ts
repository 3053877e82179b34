import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DefaultRatings } from '../intake/default-ratings';
import { Act } from './guard';

@ApiTags('intake')
@ApiBearerAuth()
@Controller('api/v1/admin/default-ratings')
export class DefaultRatingsController {
  constructor(private readonly defaults: DefaultRatings) {}

  @Post('run')
  @HttpCode(200)
  @Act('defaults.run')
  @ApiOperation({ summary: 'Apply the 7-day default ratings due now (the scheduler does this on its own every few seconds)' })
  run() {
    return this.defaults.run();
  }
}
