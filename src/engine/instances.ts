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

/**
 * Steps that change nothing but the revision (timers fired in a batch: src/engine/timer-batch.ts), in one
 * statement. Each row must still be at its `from` revision (the caller holds the locks).
 */
export async function advanceRevisions(trx: Knex.Transaction, list: Array<{ id: string; from: number; to: number }>, at: Date): Promise<void> {
  if (!list.length) return;
  const values = list.map(() => '(?::uuid, ?::int, ?::int)').join(', ');
  const res = await trx.raw(
    `update process_instances as i set revision = v.rev_to, updated_at = ?::timestamptz
       from (values ${values}) as v(id, rev_from, rev_to)
      where i.id = v.id and i.revision = v.rev_from
      returning i.id`,
    [at.toISOString(), ...list.flatMap((l) => [l.id, l.from, l.to])],
  );
  const n = (res.rows ?? res).length;
  if (n !== list.length) throw new ConflictError(`${list.length - n} process instance(s) were changed by another step; try again`, { field: 'instance', reason: 'changed by another step' }, 'concurrent_step');
}

/**
 * The read of a step in one statement: the instance row under FOR UPDATE, its open tasks, timers and
 * open external tasks, and its state unless `cachedRevision` is the locked row's revision (the kept
 * engine is current: the state is not needed, and it is the largest thing the step would read).
 *
 * The subqueries read with the statement's snapshot, taken before the lock was granted: when another
 * step committed while this one waited for the lock, they would miss its rows. The snapshot's own
 * revision of the row (`seen_revision`) tells: when it differs from the locked one, the caller reads
 * them again with fresh statements (answer `consistent: false`).
 */
export async function lockAndRead(
  trx: Knex.Transaction,
  id: string,
  cachedRevision: number | undefined,
  /** A scalar sub-select read in the same statement (the runner's step guard); its value is `guard`. */
  guardSql?: string,
): Promise<{ row: InstanceRow; stateSkipped: boolean; consistent: boolean; openTasks: unknown[]; timerRows: unknown[]; openExternalTasks: unknown[]; guard: unknown } | undefined> {
  const res = await trx.raw(
    `select i.id, i.county_id, i.definition_id, i.process_key, i.business_key, i.status, i.revision, i.variables, i.incident, i.started_by, i.started_at,
            i.updated_at, i.ended_at, i.incident_at, i.incident_action,
            case when i.revision = ?::int then null else i.state end as state,
            (i.revision = ?::int) as state_skipped,
            (select s.revision from process_instances s where s.id = i.id) as seen_revision,
            (select coalesce(json_agg(row_to_json(t) order by t.id), '[]'::json) from tasks t where t.instance_id = i.id and t.status = 'open') as open_tasks,
            (select coalesce(json_agg(json_build_object('id', m.id, 'execution_id', m.execution_id, 'due_at', m.due_at, 'element_id', m.element_id, 'fired_at', m.fired_at) order by m.id), '[]'::json) from timers m where m.instance_id = i.id) as timer_rows,
            (select coalesce(json_agg(row_to_json(e) order by e.id), '[]'::json) from external_tasks e where e.instance_id = i.id and e.status = 'open') as open_external,
            ${guardSql ? `(${guardSql})` : 'null'} as guard
       from process_instances i where i.id = ? for update of i`,
    [cachedRevision ?? -1, cachedRevision ?? -1, id],
  );
  // Rows in id order, as replay re-reads them (src/audit/replay.ts): a step's result must not depend on
  // the order the database happens to return them in.
  const r = (res.rows ?? res)[0];
  if (!r) return undefined;
  const { state_skipped, seen_revision, open_tasks, timer_rows, open_external, guard, ...row } = r;
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    row: row as InstanceRow,
    stateSkipped: Boolean(state_skipped),
    consistent: Number(seen_revision) === Number(row.revision),
    openTasks: parse(open_tasks) as unknown[],
    timerRows: parse(timer_rows) as unknown[],
    openExternalTasks: parse(open_external) as unknown[],
    guard,
  };
}

/** The stored state of an instance (a step that skipped it and then needs to rebuild its engine). */
export async function readState(trx: Knex.Transaction, id: string): Promise<unknown> {
  return (await trx('process_instances').where({ id }).first('state'))?.state ?? null;
}
