/** The cases table (差评办件): its only writer. */
import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** The case row as inserted (columns of the cases table). */
export interface NewCaseRow {
  id: string;
  county_id: string;
  kind: 'system-pushed' | 'on-site';
  evaluation_id?: string | null;
  service_case_id?: string | null;
  case_no?: string | null;
  service_code?: string | null;
  service_name?: string | null;
  unit_id?: string | null;
  unit_name?: string | null;
  window_name?: string | null;
  staff_name?: string | null;
  level?: number | null;
  channel?: string | null;
  options: string[];
  other_text?: string | null;
  comment?: string | null;
  free_text_enc?: string | null;
  received_at: Date;
  created_by: string;
  [column: string]: unknown;
}

export async function insertCase(trx: Db, row: NewCaseRow & { process_key: string }): Promise<void> {
  await trx('cases').insert({ ...row, options: JSON.stringify(row.options), status: 'received', status_at: row.received_at });
}

export async function linkInstance(trx: Db, caseId: string, instanceId: string): Promise<void> {
  await trx('cases').where({ id: caseId }).update({ instance_id: instanceId });
}

/** Status (and outcome) as the diagram's setStatus service records them; only the case of this instance. */
export async function updateStatus(
  trx: Db,
  c: { caseId: string; countyId: string; instanceId: string; status: string; at: Date; outcome?: string | null; unitId?: string; unitName?: string },
): Promise<void> {
  await trx('cases')
    .where({ id: c.caseId, county_id: c.countyId })
    .andWhere((q) => q.whereNull('instance_id').orWhere('instance_id', c.instanceId))
    .update({
      status: c.status,
      status_at: c.at,
      revoked_at: c.status === 'revoked' ? c.at : null,
      ...(c.outcome ? { outcome: c.outcome } : {}),
      ...(c.unitId ? { unit_id: c.unitId } : {}),
      ...(c.unitName ? { unit_name: c.unitName } : {}),
    });
}
