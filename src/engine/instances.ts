/** The process_instances table: its only writer (and the lock every step takes). */
import type { Knex } from 'knex';
import type { InstanceRow, InstanceStatus } from '../db/tables';
import { ConflictError } from '../errors';

type Db = Knex | Knex.Transaction;

/** The instance row under FOR UPDATE: the lock that serialises the steps of one instance. */
export async function lockInstance(trx: Knex.Transaction, id: string): Promise<InstanceRow | undefined> {
  return trx<InstanceRow>('process_instances').where({ id }).forUpdate().first();
}

export async function insertInstance(trx: Db, row: InstanceRow): Promise<void> {
  await trx('process_instances').insert({ ...row, variables: JSON.stringify(row.variables), state: row.state === null ? null : JSON.stringify(row.state) });
}

export async function findByBusinessKey(db: Db, countyId: string, processKey: string, businessKey: string): Promise<{ id: string } | undefined> {
  return db('process_instances').where({ county_id: countyId, process_key: processKey, business_key: businessKey }).first('id');
}

export interface InstanceUpdate {
  /** A migration moved the instance to this version. */
  definition_id?: string;
  status: InstanceStatus;
  revision: number;
  state: unknown;
  variables: Record<string, unknown>;
  incident: string | null;
  updated_at: Date;
  ended_at: Date | null;
}

/** Writes the outcome of a step; the revision it started from must still be the stored one. */
export async function updateAfterStep(trx: Knex.Transaction, id: string, fromRevision: number, update: InstanceUpdate): Promise<void> {
  const n = await trx('process_instances')
    .where({ id, revision: fromRevision })
    .update({ ...update, state: update.state === null ? null : JSON.stringify(update.state), variables: JSON.stringify(update.variables) });
  if (n !== 1) throw new ConflictError(`Process instance ${id} was changed by another step; try again`, { field: 'instance', reason: 'changed by another step' }, 'concurrent_step');
}
