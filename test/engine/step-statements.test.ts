/**
 * What one step costs the database, counted: the statements a completion and a timer firing send, with
 * the engine kept in memory. The lock statement reads the instance, its open tasks, timers, external
 * tasks and the calendar revision at once; the rest are one write per table (the calendar revision had a
 * statement of its own before).
 */
import type { Core } from '../../src/core';
import { openTasksOf } from '../../src/engine/tasks';
import { useCore } from '../support/medium';

let core: Core;
useCore((c) => (core = c));

async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  const sqls: string[] = [];
  const listen = (q: { sql: string }) => sqls.push(q.sql.replace(/\s+/g, ' '));
  core.db.knex.on('query', listen);
  try {
    await work();
  } finally {
    core.db.knex.removeListener('query', listen);
  }
  return sqls;
}

test('a completion on a kept engine: one read (the lock statement, which carries the calendar revision), then one write per table', async () => {
  await core.clockControl.set('2026-11-02T09:00:00+08:00');
  const inst = await core.runner.start({ countyId: 'testshire', processKey: 'hostBasic', businessKey: 'ST-1', actor: 'tester', variables: { verdict: 'genuine' } });
  const [task] = await openTasksOf(core.db.knex, inst.id);
  const sqls = (await statementsOf(() => core.runner.complete(task, 'tester', { verdict: 'genuine' }))).filter((s) => !/^(BEGIN|COMMIT);?$/.test(s));
  const [lock, ...rest] = sqls;
  expect(lock).toMatch(/ from process_instances i where i\.id = \S+ for update of i$/);
  expect(lock).toMatch(/from calendar_revision c where c\.id = 1 for share/);
  expect(sqls.filter((s) => /calendar_revision/.test(s))).toHaveLength(1);
  // The only other read is the journal heads' lock; every other statement writes, each table once.
  const reads = rest.filter((s) => /^select/i.test(s));
  expect(reads).toEqual([expect.stringMatching(/from "journal_heads" .* for update$/)]);
  const written = rest.filter((s) => !/^select/i.test(s)).map((s) => /^(?:insert into|update|delete from) "(\w+)"/.exec(s)?.[1]);
  expect(written).not.toContain(undefined);
  expect(new Set(written).size).toBe(written.length);
  expect(written).toEqual(expect.arrayContaining(['tasks', 'journal', 'journal_heads', 'process_instances']));
  expect(sqls.length).toBeLessThanOrEqual(8); // hostBasic ending: lock, tasks, timers, outbox, journal heads, journal, heads, instance
});

test('a timer firing on a kept engine (an interrupting deadline: a full step) reads once and writes each table once', async () => {
  await core.clockControl.set('2026-11-02T09:00:00+08:00');
  const inst = await core.runner.start({ countyId: 'testshire', processKey: 'hostBasic', businessKey: 'ST-2', actor: 'tester', variables: { verdict: 'genuine' } });
  const timer = await core.db.knex('timers').where({ instance_id: inst.id }).first();
  await core.clock.set(new Date('2026-11-06T09:00:00+08:00'));
  let fired = false;
  const sqls = (await statementsOf(async () => (fired = await core.runner.fire(timer.id)))).filter((s) => !/^(BEGIN|COMMIT);?$/.test(s));
  expect(fired).toBe(true);
  const [find, lock, ...rest] = sqls;
  expect(find).toMatch(/from "timers" where "id" = \S+/); // which instance the row belongs to
  expect(lock).toMatch(/from calendar_revision c where c\.id = 1 for share\) as guard from process_instances i where i\.id = \S+ for update of i$/);
  expect(rest.filter((s) => /^select/i.test(s))).toEqual([expect.stringMatching(/from "journal_heads" .* for update$/)]);
  const written = rest.filter((s) => !/^select/i.test(s)).map((s) => /^(?:insert into|update|delete from) "(\w+)"/.exec(s)?.[1]);
  expect(new Set(written).size).toBe(written.length);
  expect(written).toEqual(expect.arrayContaining(['tasks', 'timers', 'outbox', 'journal', 'process_instances']));
});
