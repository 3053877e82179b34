/**
 * Deadlines that run into a year with no national data (2027 today) are computed with weekends only and
 * marked provisional; loading the year recomputes them and clears the mark.
 *
 * By hand, calshire (closes 17:30), entered Wed 2026-12-30 10:00:
 *   X  2wd: Thu 12/31, Fri 2027-01-01 (no 2027 data: a weekday)       → 2027-01-01 17:30, provisional
 *      with 2027 loaded (1/1–1/3 元旦): 12/31, skip 1/1–1/3, Mon 1/4 → 2027-01-04 17:30, not provisional
 *   Y  8d: last day Thu 2027-01-07, a working day either way          → 2027-01-07 17:30, only the mark changes
 *   Z  1wd: Thu 12/31 only                                            → 2026-12-31 17:30, never provisional
 */
import { lockAndRead } from '../../src/engine/instances';
import { createStore, startApp, TestApp, TestStore, usingPostgres } from '../support/harness';
import { history, iso, setClock, startInstance, taskOf } from './api-support';

const NATIONAL_2027 = {
  holidays: [
    { date: '2027-01-01', name: '元旦' },
    { date: '2027-01-02', name: '元旦' },
    { date: '2027-01-03', name: '元旦' },
  ],
  workdays: [],
  source: 'test data standing for the 2027 notice',
  level: 'official',
};

describe('provisional deadlines become final when the year is loaded', () => {
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

  test('loading 2027 recomputes and clears the provisional mark on tasks and timers', async () => {
    const knex = app.core.db.knex;
    await setClock(app, '2026-12-30T10:00:00+08:00');
    const X = await startInstance(app, 'calshire', 'calReview', 'X');
    const Y = await startInstance(app, 'calshire', 'calLimit', 'Y', { limit: '8d' });
    const Z = await startInstance(app, 'calshire', 'calLimit', 'Z', { limit: '1wd' });

    const state = async (id: string) => {
      const task = await taskOf(app, id);
      const [timer] = await knex('timers').where({ instance_id: id });
      return { task: [iso(task.dueAt), task.dueProvisional], timer: [iso(timer.due_at), timer.provisional] };
    };
    expect(await state(X.id)).toEqual({ task: [iso('2027-01-01T17:30:00+08:00'), true], timer: [iso('2027-01-01T17:30:00+08:00'), true] });
    expect(await state(Y.id)).toEqual({ task: [iso('2027-01-07T17:30:00+08:00'), true], timer: [iso('2027-01-07T17:30:00+08:00'), true] });
    expect(await state(Z.id)).toEqual({ task: [iso('2026-12-31T17:30:00+08:00'), false], timer: [iso('2026-12-31T17:30:00+08:00'), false] });
    const cal = await app.api.get('/api/v1/counties/calshire/calendar/2027');
    expect(cal.body).toMatchObject({ provisional: true, missingScopes: ['national', 'guangxi'] });

    const put = await app.api.put('/api/v1/calendars/national/2027', NATIONAL_2027);
    expect(put.status).toBe(200);
    // National 2027 moves X past New Year, but Guangxi 2027 (三月三) is still missing: every 2027 day stays provisional.
    expect(put.body.recomputed).toMatchObject({ timers: 1, tasks: 1 });
    expect(await state(X.id)).toEqual({ task: [iso('2027-01-04T17:30:00+08:00'), true], timer: [iso('2027-01-04T17:30:00+08:00'), true] });
    expect(await state(Y.id)).toEqual({ task: [iso('2027-01-07T17:30:00+08:00'), true], timer: [iso('2027-01-07T17:30:00+08:00'), true] });
    expect((await app.api.get('/api/v1/counties/calshire/calendar/2027')).body).toMatchObject({ provisional: true, missingScopes: ['guangxi'] });
    const regional = await app.api.put('/api/v1/calendars/guangxi/2027', { scope: 'guangxi', year: 2027, holidays: [{ date: '2027-04-09', name: '壮族三月三（test data）' }], workdays: [], source: 'test data', level: 'secondary' });
    expect(regional.status).toBe(200);
    expect(regional.body.recomputed).toMatchObject({ timers: 2, tasks: 2 });

    expect(await state(X.id)).toEqual({ task: [iso('2027-01-04T17:30:00+08:00'), false], timer: [iso('2027-01-04T17:30:00+08:00'), false] });
    expect(await state(Y.id)).toEqual({ task: [iso('2027-01-07T17:30:00+08:00'), false], timer: [iso('2027-01-07T17:30:00+08:00'), false] });
    expect(await state(Z.id)).toEqual({ task: [iso('2026-12-31T17:30:00+08:00'), false], timer: [iso('2026-12-31T17:30:00+08:00'), false] });
    const yJournal = (await history(app, Y.id)).filter((e) => e.type === 'deadline.recomputed');
    expect(yJournal).toHaveLength(2);
    for (const e of yJournal) expect(e.data).toMatchObject({ old: iso('2027-01-07T17:30:00+08:00'), new: iso('2027-01-07T17:30:00+08:00'), oldProvisional: true, newProvisional: false });
    const xJournal = (await history(app, X.id)).filter((e) => e.type === 'deadline.recomputed');
    expect(xJournal.map((e) => [e.data.old, e.data.new, e.data.oldProvisional, e.data.newProvisional])).toEqual([
      [iso('2027-01-01T17:30:00+08:00'), iso('2027-01-04T17:30:00+08:00'), true, true],
      [iso('2027-01-01T17:30:00+08:00'), iso('2027-01-04T17:30:00+08:00'), true, true],
      [iso('2027-01-04T17:30:00+08:00'), iso('2027-01-04T17:30:00+08:00'), true, false],
      [iso('2027-01-04T17:30:00+08:00'), iso('2027-01-04T17:30:00+08:00'), true, false],
    ]);
    expect((await app.api.get('/api/v1/counties/calshire/calendar/2027')).body).toMatchObject({ provisional: false, missingScopes: [] });

    // The new instants hold: nothing at the old one, X at the new one.
    expect(await setClock(app, '2026-12-31T17:30:00+08:00')).toBe(1); // Z
    expect(await setClock(app, '2027-01-01T17:30:00+08:00')).toBe(0);
    expect(await setClock(app, '2027-01-04T17:30:00+08:00')).toBe(1); // X
    expect(await setClock(app, '2027-01-07T17:30:00+08:00')).toBe(1); // Y
  });

  (usingPostgres ? test : test.skip)('a year loaded by one server process is used by another at its next step', async () => {
    const other = await startApp(store);
    try {
      await setClock(app, '2027-12-29T10:00:00+08:00');
      await setClock(other, '2027-12-29T10:00:00+08:00');
      const before = await startInstance(other, 'calshire', 'calReview', 'MP-1');
      // Thu 12/30, Fri 12/31 → 2027-12-31 17:30 (no 2028 data needed).
      expect(iso((await taskOf(other, before.id)).dueAt)).toBe(iso('2027-12-31T17:30:00+08:00'));
      // Guangxi's own 2028 is in already (test data): only the national year is missing.
      const regional = await app.api.put('/api/v1/calendars/guangxi/2028', { scope: 'guangxi', year: 2028, holidays: [{ date: '2028-03-28', name: '壮族三月三（test data）' }], workdays: [], source: 'test data', level: 'secondary' });
      expect(regional.status).toBe(200);
      const w = await startInstance(other, 'calshire', 'calLimit', 'MP-2', { limit: '3wd' });
      // Thu 12/30, Fri 12/31, Mon 2028-01-03 (provisional) → 2028-01-03 17:30.
      expect(await taskOf(other, w.id)).toMatchObject({ dueProvisional: true });
      const rev = other.core.calendars.currentRevision;

      // Loaded on the first process: 2028-01-03 off.
      const put = await app.api.put('/api/v1/calendars/national/2028', { ...NATIONAL_2027, holidays: [{ date: '2028-01-03', name: '元旦' }] });
      expect(put.body.recomputed).toMatchObject({ tasks: 1, timers: 1 });
      expect(other.core.calendars.currentRevision).toBe(rev);

      // The second process starts an instance: it catches up first.
      const after = await startInstance(other, 'calshire', 'calLimit', 'MP-3', { limit: '3wd' });
      expect(other.core.calendars.currentRevision).toBe(rev + 1);
      expect(await taskOf(other, after.id)).toMatchObject({ dueProvisional: false, dueAt: new Date('2028-01-04T17:30:00+08:00').toISOString() });
      expect(await taskOf(other, w.id)).toMatchObject({ dueProvisional: false, dueAt: new Date('2028-01-04T17:30:00+08:00').toISOString() });

      // Another load on the first process; the second catches up in a completion too (its lock statement
      // reads the revision: no statement of its own).
      const again = await app.api.put('/api/v1/calendars/guangxi/2028', { scope: 'guangxi', year: 2028, holidays: [{ date: '2028-03-29', name: '壮族三月三（test data, moved）' }], workdays: [], source: 'test data', level: 'secondary' });
      expect(again.status).toBe(200);
      expect(other.core.calendars.currentRevision).toBe(rev + 1);
      const task = await taskOf(other, before.id);
      expect((await other.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } })).status).toBe(200);
      expect(other.core.calendars.currentRevision).toBe(rev + 2);
    } finally {
      await other.close();
    }
  });

  (usingPostgres ? test : test.skip)("a step's lock statement holds the calendar revision FOR SHARE until it commits: a load waits for it", async () => {
    const knex = app.core.db.knex;
    await setClock(app, '2027-12-29T10:00:00+08:00');
    const inst = await startInstance(app, 'calshire', 'calReview', 'LOCK-1');
    const trx = await knex.transaction();
    try {
      const read = await lockAndRead(trx, inst.id, undefined, app.core.calendars.stepGuard.sql);
      expect(Number(read!.guard)).toBe(app.core.calendars.currentRevision);
      // A load takes the row FOR UPDATE: it cannot while the step holds it.
      await expect(knex.raw('select revision from calendar_revision where id = 1 for update nowait')).rejects.toThrow(/could not obtain lock/);
    } finally {
      await trx.commit();
    }
    await knex.transaction((t) => t.raw('select revision from calendar_revision where id = 1 for update nowait'));
  });
});
