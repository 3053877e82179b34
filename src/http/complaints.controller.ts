import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../auth/access';
import { ComplaintService } from '../intake/complaints.service';
import { CurrentUser } from './guard';

@ApiTags('cases')
@ApiBearerAuth()
@Controller('api/v1/counties/:county/complaints')
export class ComplaintsController {
  constructor(private readonly complaints: ComplaintService) {}

  @Post()
  @ApiOperation({
    summary: 'Register an on-site complaint {senderId?, complainant {name, phone, idNumber?}, description, unitId or caseNo, staffName?, options?, occurredAt?} and start the county on-site diagram (201; with senderId the same again gives the same 201)',
  })
  async complain(@CurrentUser() user: User, @Param('county') county: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const r = await this.complaints.complain(user, county, req.body);
    if (r.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(201).send(r.receipt);
  }
}
