/** The process_instances table: its only writer (and the lock every step takes). */
import type { Knex } from 'knex';
import type { IncidentAction, InstanceRow, InstanceStatus } from '../db/tables';
import { ConflictError } from '../errors';

type Db = Knex | Knex.Transaction;

/** The instance row under FOR UPDATE: the lock that serialises the steps of one instance. */
export async function lockInstance(trx: Knex.Transaction, id: string): Promise<InstanceRow | undefined> {
  return trx<InstanceRow>('process_instances').where({ id }).forUpdate().first();
}

export async function insertInstance(trx: Db, row: InstanceRow): Promise<void> {
  await trx('process_instances').insert({
    ...row,
    variables: JSON.stringify(row.variables),
    state: row.state === null ? null : JSON.stringify(row.state),
    incident_action: row.incident_action ? JSON.stringify(row.incident_action) : null,
  });
}

/** A start retried on another version: the instance is bound to the version it now runs. */
export async function rebindDefinition(trx: Knex.Transaction, id: string, definitionId: string): Promise<void> {
  await trx('process_instances').where({ id }).update({ definition_id: definitionId });
}

/**
 * Marks an instance as stopped by an incident: its last step was aborted and nothing of it was kept.
 * The state and revision stay those of the last committed step; `action` is what a retry runs again.
 */
export async function markIncident(trx: Knex.Transaction, id: string, fromRevision: number, incident: { reason: string; at: Date; action: IncidentAction }): Promise<void> {
  const n = await trx('process_instances')
    .where({ id, revision: fromRevision })
    .update({ incident: incident.reason, incident_at: incident.at, incident_action: JSON.stringify(incident.action), updated_at: incident.at });
  if (n !== 1) throw new ConflictError(`Process instance ${id} was changed by another step; try again`, { field: 'instance', reason: 'changed by another step' }, 'concurrent_step');
}

export async function findByBusinessKey(db: Db, countyId: string, processKey: string, businessKey: string): Promise<{ id: string } | undefined> {
  return db('process_instances').where({ county_id: countyId, process_key: processKey, business_key: businessKey }).first('id');
}

export interface InstanceUpdate {
  status: InstanceStatus;
  revision: number;
  state: unknown;
  variables: Record<string, unknown>;
  incident: string | null;
  updated_at: Date;
  ended_at: Date | null;
  /** Another version: a migration moved the instance, or a retried start ran on the current version. */
  definition_id?: string;
}

/** Writes the outcome of a step; the revision it started from must still be the stored one. Answers the size of the stored state. */
export async function updateAfterStep(trx: Knex.Transaction, id: string, fromRevision: number, update: InstanceUpdate): Promise<number> {
  const state = update.state === null ? null : JSON.stringify(update.state);
  const n = await trx('process_instances')
    .where({ id, revision: fromRevision })
    .update({
      ...update,
      state,
      variables: JSON.stringify(update.variables),
      // A committed step ends any incident.
      incident_at: null,
      incident_action: null,
    });
  if (n !== 1) throw new ConflictError(`Process instance ${id} was changed by another step; try again`, { field: 'instance', reason: 'changed by another step' }, 'concurrent_step');
  return state?.length ?? 0;
}
