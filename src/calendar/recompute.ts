/**
 * Recomputing pending deadlines when a calendar year is loaded or corrected.
 *
 * Runs inside the transaction that writes the calendar version. A deadline is recomputed when
 * - it is still pending: a row of `timers`, or an open task with a due expression;
 * - it has not passed: due_at > now (clock); a passed deadline is left as it was;
 * - its county's calendar uses a scope that changed;
 * - its expression counts on the calendar (working days, natural days, same day); elapsed times,
 *   calendar dates and instants do not depend on holidays;
 * - the days its computation looks at can include a changed year: from the Shanghai year of its start
 *   to the Shanghai year of its (old) due instant.
 * It is computed again from the same start (the row's created_at = when the element was entered, or the
 * anchor variable from process_instances.variables) under the new calendar. Only a row whose due
 * instant or provisional flag changes is written, and each change writes a `deadline.recomputed`
 * journal row for its instance with the old and the new instant.
 */
import type { Knex } from 'knex';
import { appendJournal } from '../db/journal';
import { moveDueDates } from '../engine/tasks';
import { moveDueInstants } from '../engine/timers';
import type { Logger } from '../log';
import { Progress, ProgressHandle, noProgress } from '../progress';
import type { TenantRegistry } from '../tenants';
import { shanghaiDate, shanghaiInstant } from './civil-date';
import { CountyDeadlines } from './county-deadlines';
import { parseDeadline } from './deadline';
import type { CalendarYearData } from './working-calendar';

export interface ScopeYear {
  scope: string;
  year: number;
}

export interface DeadlineChange {
  kind: 'timer' | 'task';
  id: string;
  instanceId: string;
  countyId: string;
  elementId: string;
  expression: string;
  old: Date;
  new: Date;
  oldProvisional: boolean;
  newProvisional: boolean;
}

export interface RecomputeResult {
  timers: number;
  tasks: number;
  /** Every change written (for the caller's answer; the journal has them too). */
  changes: DeadlineChange[];
}

const CALENDAR_KINDS = new Set(['workingDays', 'naturalDays', 'sameDay']);
const PAGE = 2000;
const WRITE_BATCH = 500;

interface Candidate {
  id: string;
  instance_id: string;
  county_id: string;
  element_id: string;
  expression: string;
  due_at: Date;
  provisional: boolean;
  created_at: Date;
  variables: Record<string, unknown> | null;
  revision: number;
}

function yearOf(d: Date): number {
  return Number(shanghaiDate(d).slice(0, 4));
}

export async function recomputePendingDeadlines(
  trx: Knex.Transaction,
  opts: { tenants: TenantRegistry; years: CalendarYearData[]; changed: ScopeYear[]; now: Date; actor: string; label: string; logger: Logger; progress?: Progress },
): Promise<RecomputeResult> {
  const result: RecomputeResult = { timers: 0, tasks: 0, changes: [] };
  if (!opts.changed.length) return result;
  const changedScopes = new Set(opts.changed.map((c) => c.scope));
  const counties = opts.tenants.list().filter((t) => t.calendar.some((s) => changedScopes.has(s)));
  if (!counties.length) return result;
  const changedYearsOf = new Map<string, number[]>();
  for (const t of counties) {
    changedYearsOf.set(t.id, opts.changed.filter((c) => t.calendar.includes(c.scope)).map((c) => c.year));
  }
  const minYear = Math.min(...opts.changed.map((c) => c.year));
  // Any computation that looked at a day of year Y ends after Y-01-01 00:00 (Asia/Shanghai).
  const yearStart = shanghaiInstant(`${minYear}-01-01`);
  const bound = new Date(Math.max(opts.now.getTime(), yearStart.getTime()));
  const calc = new CountyDeadlines(opts.tenants, opts.years);

  const recompute = (c: Candidate): DeadlineChange | undefined => {
    let parsed;
    try {
      parsed = parseDeadline(c.expression);
    } catch {
      return undefined; // not one of ours (an incident already); nothing to recompute
    }
    if (!CALENDAR_KINDS.has(parsed.kind)) return undefined;
    const variables = c.variables ?? {};
    let start = new Date(c.created_at);
    if (parsed.anchor) {
      const raw = variables[parsed.anchor];
      const at = typeof raw === 'string' || typeof raw === 'number' ? new Date(raw) : undefined;
      if (!at || Number.isNaN(at.getTime())) {
        opts.logger.warn(`calendar ${opts.label}: deadline "${c.expression}" of instance ${c.instance_id} not recomputed: variable ${parsed.anchor} is not an instant`);
        return undefined;
      }
      start = at;
    }
    const oldDue = new Date(c.due_at);
    const years = changedYearsOf.get(c.county_id) ?? [];
    const from = yearOf(start);
    const to = yearOf(oldDue);
    if (!years.some((y) => y >= from && y <= to)) return undefined;
    let r;
    try {
      r = calc.compute(c.county_id, c.expression, start, variables);
    } catch (err) {
      opts.logger.warn(`calendar ${opts.label}: deadline "${c.expression}" of instance ${c.instance_id} not recomputed: ${(err as Error).message}`);
      return undefined;
    }
    if (r.due.getTime() === oldDue.getTime() && r.provisional === Boolean(c.provisional)) return undefined;
    return {
      kind: 'timer',
      id: c.id,
      instanceId: c.instance_id,
      countyId: c.county_id,
      elementId: c.element_id,
      expression: c.expression,
      old: oldDue,
      new: r.due,
      oldProvisional: Boolean(c.provisional),
      newProvisional: r.provisional,
    };
  };

  const countyIds = counties.map((t) => t.id);
  const revisions = new Map<string, number>();

  // Progress (log lines, /health): how many candidate rows there are, then how many are examined.
  let progress: ProgressHandle = noProgress;
  if (opts.progress) {
    const [timers, tasks] = await Promise.all([
      trx('timers as t').join('process_instances as i', 'i.id', 't.instance_id').whereIn('t.county_id', countyIds).whereNotNull('t.expression').where('t.due_at', '>', bound).where('i.status', 'running').count({ n: '*' }),
      trx('tasks as t').whereIn('t.county_id', countyIds).where('t.status', 'open').whereNotNull('t.due_expression').where('t.due_at', '>', bound).count({ n: '*' }),
    ]);
    const total = Number(timers[0].n) + Number(tasks[0].n);
    // Nothing pending (a first start loading the bundled years): no job to report.
    if (total > 0) progress = opts.progress.begin(`calendar recompute ${opts.label}`, total);
  }

  try {
    for (const kind of ['timer', 'task'] as const) {
      let after = '';
      for (;;) {
        const q =
          kind === 'timer'
            ? trx('timers as t')
                .join('process_instances as i', 'i.id', 't.instance_id')
                .whereIn('t.county_id', countyIds)
                .whereNotNull('t.expression')
                .where('t.due_at', '>', bound)
                .where('i.status', 'running')
                .select('t.id', 't.instance_id', 't.county_id', 't.element_id', 't.expression', 't.due_at', 't.provisional', 't.created_at', 'i.variables', 'i.revision')
            : trx('tasks as t')
                .join('process_instances as i', 'i.id', 't.instance_id')
                .whereIn('t.county_id', countyIds)
                .where('t.status', 'open')
                .whereNotNull('t.due_expression')
                .where('t.due_at', '>', bound)
                .select('t.id', 't.instance_id', 't.county_id', 't.element_id', 't.due_expression as expression', 't.due_at', 't.due_provisional as provisional', 't.created_at', 'i.variables', 'i.revision');
        if (after) q.where('t.id', '>', after);
        const rows: Candidate[] = await q.orderBy('t.id').limit(PAGE);
        if (!rows.length) break;
        after = rows[rows.length - 1].id;
        progress.advance(rows.length);
        const changes: DeadlineChange[] = [];
        for (const row of rows) {
          const ch = recompute(row);
          if (ch) {
            ch.kind = kind;
            changes.push(ch);
            revisions.set(row.instance_id, Number(row.revision));
          }
        }
        for (let i = 0; i < changes.length; i += WRITE_BATCH) {
          const batch = changes.slice(i, i + WRITE_BATCH);
          const moves = batch.map((c) => ({ id: c.id, old: c.old, new: c.new, provisional: c.newProvisional }));
          const written = kind === 'timer' ? await moveDueInstants(trx, moves) : await moveDueDates(trx, moves);
          const done = batch.filter((c) => written.has(c.id));
          if (!done.length) continue;
          await appendJournal(
            trx,
            done.map((c) => ({
              instanceId: c.instanceId,
              countyId: c.countyId,
              revision: revisions.get(c.instanceId) ?? 0,
              type: 'deadline.recomputed',
              elementId: c.elementId,
              elementType: kind === 'task' ? 'bpmn:UserTask' : null,
              actor: opts.actor,
              data: {
                old: c.old.toISOString(),
                new: c.new.toISOString(),
                expression: c.expression,
                ...(kind === 'task' ? { taskId: c.id } : { timerId: c.id }),
                oldProvisional: c.oldProvisional,
                newProvisional: c.newProvisional,
                calendar: opts.label,
              },
              at: opts.now,
            })),
          );
          if (kind === 'timer') result.timers += done.length;
          else result.tasks += done.length;
          result.changes.push(...done);
        }
        if (rows.length < PAGE) break;
      }
    }
  } finally {
    progress.end();
  }
  return result;
}
