/**
 * Loading a corrected calendar year while deadlines are pending: the deadlines that have
 * not passed are recomputed, the passed ones are left alone, the journal shows both instants, and the
 * timers follow their new instants (a timer moved later does not fire at its old instant; one moved
 * earlier fires at its new one).
 *
 * calshire = national + guangxi, closes 17:30. April 2026 by hand: Qingming 4/4–4/6 (national); the
 * bundled guangxi 2026 has 三月三 off Fri 4/17 – Mon 4/20. The "corrected" guangxi 2026 loaded here
 * (test data) has Fri 4/10, Thu 4/16 and Fri 4/17 off instead, so Mon 4/20 is worked.
 *
 *   C  2wd  entered Thu 4/09 10:00: 4/10, 4/13         → 4/13 17:30 (passed when the year is loaded)
 *   A  2wd  entered Tue 4/14 10:00: 4/15, 4/16         → 4/16 17:30; corrected: 4/15, 4/20 → 4/20 17:30 (later)
 *   B  3d   entered Tue 4/14 10:00: last day Fri 4/17 is off, so the next working day: Sat, Sun, Mon 4/20
 *           off → Tue 4/21 17:30; corrected: 4/17 off, Mon 4/20 worked → 4/20 17:30 (earlier)
 *   D  3wd from receivedAt = Mon 4/13 09:00: 4/14, 4/15, 4/16 → 4/16 17:30; corrected: 4/14, 4/15,
 *           4/20 → 4/20 17:30 (counted from 4/14 10:00 instead it would be 4/21 17:30)
 *   E  PT48H entered 4/14 10:00 → 4/16 10:00, elapsed time: not recomputed
 *   T  testshire (national only, 24:00) 2wd entered 4/14 10:00 → 4/17 00:00: its calendar has no guangxi
 */
import { createStore, startApp, TestApp, TestStore } from '../support/harness';
import { history, iso, setClock, startInstance, taskOf } from './api-support';

const CORRECTED_GUANGXI_2026 = {
  holidays: [
    { date: '2026-04-10', name: '壮族三月三（更正）' },
    { date: '2026-04-16', name: '壮族三月三（更正）' },
    { date: '2026-04-17', name: '壮族三月三（更正）' },
  ],
  workdays: [],
  source: 'test: corrected notice',
  level: 'official',
};

describe('a corrected calendar year while deadlines are pending', () => {
  let store: TestStore;
  let app: TestApp;

  beforeAll(async () => {
    store = await createStore();
    app = await startApp(store);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  test('pending deadlines move, passed ones do not, and the timers follow', async () => {
    const knex = app.core.db.knex;
    await setClock(app, '2026-04-09T10:00:00+08:00');
    const C = await startInstance(app, 'calshire', 'calLimit', 'C', { limit: '2wd' });
    expect(iso((await taskOf(app, C.id)).dueAt)).toBe(iso('2026-04-13T17:30:00+08:00'));
    // C's timer fires on the way (4/13 17:30); its task stays open and overdue.
    expect(await setClock(app, '2026-04-14T10:00:00+08:00')).toBe(1);

    const A = await startInstance(app, 'calshire', 'calLimit', 'A', { limit: '2wd' });
    const B = await startInstance(app, 'calshire', 'calLimit', 'B', { limit: '3d' });
    const D = await startInstance(app, 'calshire', 'calLimit', 'D', { limit: '3wd from receivedAt', receivedAt: '2026-04-13T09:00:00+08:00' });
    const E = await startInstance(app, 'calshire', 'calLimit', 'E', { limit: 'PT48H' });
    const T = await startInstance(app, 'testshire', 'hostBasic', 'T');

    const before = {
      A: '2026-04-16T17:30:00+08:00',
      B: '2026-04-21T17:30:00+08:00',
      C: '2026-04-13T17:30:00+08:00',
      D: '2026-04-16T17:30:00+08:00',
      E: '2026-04-16T10:00:00+08:00',
      T: '2026-04-17T00:00:00+08:00',
    };
    const ids = { A: A.id, B: B.id, C: C.id, D: D.id, E: E.id, T: T.id };
    for (const [k, due] of Object.entries(before)) {
      expect([k, iso((await taskOf(app, ids[k as keyof typeof ids])).dueAt)]).toEqual([k, iso(due)]);
    }
    // Pending timer rows (a reminder fired in a batch stays, marked, until its engine catches up).
    const timerBefore = new Map((await knex('timers').whereNull('fired_at').select('instance_id', 'id', 'due_at')).map((t) => [t.instance_id, t]));
    expect(timerBefore.has(C.id)).toBe(false); // fired

    // The correction is loaded at Tue 4/14 10:00.
    const put = await app.api.put('/api/v1/calendars/guangxi/2026', CORRECTED_GUANGXI_2026);
    expect(put.status).toBe(200);
    expect(put.body.created).toBe(true);
    expect(put.body.calendar).toMatchObject({ scope: 'guangxi', year: 2026, version: 2, origin: 'api', loadedBy: 'test-admin', recomputedDeadlines: 6 });
    expect(put.body.recomputed).toMatchObject({ timers: 3, tasks: 3 });

    const after = {
      A: '2026-04-20T17:30:00+08:00',
      B: '2026-04-20T17:30:00+08:00',
      C: '2026-04-13T17:30:00+08:00',
      D: '2026-04-20T17:30:00+08:00',
      E: '2026-04-16T10:00:00+08:00',
      T: '2026-04-17T00:00:00+08:00',
    };
    for (const [k, due] of Object.entries(after)) {
      expect([k, iso((await taskOf(app, ids[k as keyof typeof ids])).dueAt)]).toEqual([k, iso(due)]);
    }
    for (const k of ['A', 'B', 'D'] as const) {
      const [timer] = await knex('timers').where({ instance_id: ids[k] });
      expect([k, iso(timer.due_at)]).toEqual([k, iso(after[k])]);
    }
    for (const k of ['E', 'T'] as const) {
      const [timer] = await knex('timers').where({ instance_id: ids[k] });
      expect([k, iso(timer.due_at)]).toEqual([k, iso(before[k])]);
    }

    // The journal of each moved instance shows the old and the new instant, for the task and the timer.
    for (const k of ['A', 'B', 'D'] as const) {
      const moved = (await history(app, ids[k])).filter((e) => e.type === 'deadline.recomputed');
      expect(moved).toHaveLength(2);
      const task = await taskOf(app, ids[k]);
      const [timer] = await knex('timers').where({ instance_id: ids[k] });
      const byTask = moved.find((e) => e.data.taskId);
      const byTimer = moved.find((e) => e.data.timerId);
      expect(byTask).toMatchObject({ elementId: 'handle', actor: 'test-admin', data: { taskId: task.id, old: iso(before[k]), new: iso(after[k]) } });
      expect(byTimer).toMatchObject({ elementId: 'handleLate', actor: 'test-admin', data: { timerId: timer.id, old: iso(before[k]), new: iso(after[k]) } });
      expect(byTask!.data.expression).toBe(k === 'A' ? '2wd' : k === 'B' ? '3d' : '3wd from receivedAt');
      expect(byTimer!.data.expression).toBe(byTask!.data.expression);
      expect(iso(byTask!.at)).toBe(iso('2026-04-14T10:00:00+08:00'));
    }
    for (const k of ['C', 'E', 'T'] as const) {
      expect([k, (await history(app, ids[k])).filter((e) => e.type === 'deadline.recomputed')]).toEqual([k, []]);
    }

    // The versions: the bundled file as v1, the correction as v2 (in force).
    const versions = await app.api.get('/api/v1/calendars/guangxi/2026');
    expect(versions.status).toBe(200);
    expect(versions.body.current.version).toBe(2);
    expect(versions.body.versions.map((v: { version: number; origin: string }) => `${v.version}:${v.origin}`)).toEqual(['2:api', '1:bundled']);

    const firedAt = async (k: keyof typeof ids) => (await history(app, ids[k])).filter((e) => e.type === 'timer.fired').map((e) => iso(e.at));

    // A and D's old instant (4/16 17:30): only E (4/16 10:00) fires.
    expect(await setClock(app, '2026-04-16T17:30:00+08:00')).toBe(1);
    expect(await firedAt('E')).toEqual([iso('2026-04-16T17:30:00+08:00')]);
    expect(await firedAt('A')).toEqual([]);
    expect(await firedAt('D')).toEqual([]);
    expect(await setClock(app, '2026-04-17T00:00:00+08:00')).toBe(1); // T
    expect(await setClock(app, '2026-04-20T17:29:59+08:00')).toBe(0);
    // The new instant of A, B (moved earlier from 4/21) and D.
    expect(await setClock(app, '2026-04-20T17:30:00+08:00')).toBe(3);
    for (const k of ['A', 'B', 'D'] as const) expect([k, await firedAt(k)]).toEqual([k, [iso('2026-04-20T17:30:00+08:00')]]);
    // B's old instant: nothing more.
    expect(await setClock(app, '2026-04-21T17:30:00+08:00')).toBe(0);
    for (const k of ['A', 'B', 'C', 'D', 'E'] as const) {
      expect([k, (await knex('outbox').where({ instance_id: ids[k], topic: 'escalation' })).length]).toEqual([k, 1]);
    }
  });

  test('a restart keeps the administrator\'s version and does not load the bundled file again', async () => {
    await app.close();
    app = await startApp(store);
    const versions = await app.api.get('/api/v1/calendars/guangxi/2026');
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body.current.holidays.map((d: { date: string }) => d.date)).toEqual(['2026-04-10', '2026-04-16', '2026-04-17']);
    const national = await app.api.get('/api/v1/calendars/national/2026');
    expect(national.body.versions).toHaveLength(1);
    // The restarted process computes with the correction: 4/15 (Wed) + 1wd skips 4/16, 4/17, the weekend.
    const check = await app.api.get(`/api/v1/calendars/calshire/add?from=${encodeURIComponent('2026-04-15T10:00:00+08:00')}&expr=1wd`);
    expect(check.body.due).toBe('2026-04-20T17:30:00+08:00');
  });
});
