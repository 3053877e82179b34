/**
 * On-site complaints (现场投诉): a complainant at the hall, registered by staff, becomes a case of the
 * county's on-site diagram at once (the complaint, its case and the first steps of the diagram in one
 * transaction). Idempotent on senderId when the sender gives one.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import { iso } from '../calendar/civil-date';
import { CaseStarter, processKeyFor } from '../cases/case-start';
import type { Clock } from '../clock';
import { ConflictError } from '../errors';
import type { Logger } from '../log';
import type { PiiCipher } from '../privacy/cipher';
import { freeTextColumns, maskedPerson, personColumns } from '../privacy/personal';
import type { TenantRegistry } from '../tenants';
import { invalid } from './batch';
import { checkComplaint } from './validate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

export class ComplaintService {
  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    private readonly pii: PiiCipher,
    private readonly starter: CaseStarter,
    private readonly logger: Logger,
  ) {}

  /** Registers an on-site complaint and starts the county's on-site diagram. Idempotent on senderId when given. */
  async complain(user: User, countyId: string, body: unknown): Promise<{ receipt: ReturnType<typeof complaintReceipt>; replayed: boolean }> {
    const tenant = countyAllowing(this.tenants, user, countyId, 'intake.send');
    const now = this.clock.now();
    const checked = checkComplaint(body, now);
    if (!checked.ok) throw invalid('complaint', checked.errors);
    const c = checked.value;
    const fingerprint = c.senderId ? this.pii.fingerprint(`${countyId}|complaint|${c.canonical}`) : null;
    const replay = async () => {
      const mine = await this.knex('cases').where({ county_id: countyId, sender_id: c.senderId }).first();
      if (!mine) return undefined;
      if (mine.request_fingerprint !== fingerprint) {
        throw new ConflictError(`senderId ${c.senderId} was used for another complaint (case ${mine.id})`, [{ field: 'senderId', reason: `already used for case ${mine.id} with other content` }], 'idempotency_conflict');
      }
      return { receipt: complaintReceipt(mine), replayed: true };
    };
    if (c.senderId) {
      const earlier = await replay();
      if (earlier) return earlier;
    }
    processKeyFor(tenant, 'on-site');
    let sc: Row | undefined;
    if (c.caseNo) {
      sc = await this.knex('service_cases').where({ county_id: countyId, case_no: c.caseNo }).first();
      if (!sc) throw invalid('complaint', [{ field: 'caseNo', reason: 'no such 办件 in this county' }]);
    }
    const unitId = c.unitId ?? sc?.unit_id;
    const unit = tenant.units.find((u) => u.id === unitId);
    if (tenant.units.length && !unit) throw invalid('complaint', [{ field: 'unitId', reason: `is not a unit of this county (tenant.yaml units: ${tenant.units.map((u) => u.id).join(', ')})` }]);
    const id = randomUUID();
    const row = {
      id,
      county_id: countyId,
      kind: 'on-site' as const,
      service_case_id: sc?.id ?? null,
      case_no: sc?.case_no ?? null,
      service_code: c.serviceCode ?? sc?.service_code ?? null,
      service_name: c.serviceName ?? sc?.service_name ?? null,
      unit_id: unitId ?? null,
      unit_name: c.unitName ?? unit?.name ?? sc?.unit_name ?? null,
      window_name: c.window ?? sc?.window_name ?? null,
      staff_name: c.staffName ?? sc?.staff_name ?? null,
      level: c.level,
      channel: 'on-site',
      options: c.options,
      ...freeTextColumns(this.pii, id, c.description, c.otherText, [c.complainant.name]),
      ...personColumns(this.pii, 'complainant', id, c.complainant),
      occurred_at: c.occurredAt,
      received_at: now,
      sender_id: c.senderId,
      request_fingerprint: fingerprint,
      created_by: user.id,
    };
    try {
      await this.knex.transaction((trx) => this.starter.create(trx, tenant, row));
    } catch (err) {
      // Two copies of one complaint at once: the loser answers with what the winner stored.
      if (c.senderId && /cases_sender_uq/.test((err as Error).message)) {
        const earlier = await replay();
        if (earlier) return earlier;
      }
      if (!(err instanceof ConflictError)) this.logger.error(`cases: complaint ${id} of ${countyId} could not be registered: ${(err as Error).message}`);
      throw err;
    }
    const stored = await this.knex('cases').where({ id }).first();
    return { receipt: complaintReceipt(stored), replayed: false };
  }
}

function complaintReceipt(r: Row) {
  return {
    id: r.id,
    county: r.county_id,
    kind: r.kind,
    caseNo: r.case_no,
    unit: r.unit_id ? { id: r.unit_id, name: r.unit_name } : null,
    staffName: r.staff_name,
    description: r.comment,
    complainant: maskedPerson(r as Row & { id: string }, 'complainant'),
    receivedAt: iso(r.received_at),
    senderId: r.sender_id,
    processKey: r.process_key,
    instanceId: r.instance_id,
  };
}
