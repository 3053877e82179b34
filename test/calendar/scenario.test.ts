/**
 * Issue 3 scenario: a bad review arrives the afternoon before National Day 2026; its 2-working-day
 * deadline lands after the holiday; the clock is moved there through the API; the escalation fires once.
 *
 * By hand (国办发明电〔2025〕7号): received Wed 2026-09-30 15:00 (the start day is not counted);
 * 10-01 … 10-07 are National Day / Mid-Autumn holidays; Thu 10-08 is working day 1, Fri 10-09 working
 * day 2. calshire closes at 17:30, so the period ends 2026-10-09 17:30 +08:00 = 09:30 UTC. (testshire,
 * with no office hours, ends at 24:00 of 10-09 = 2026-10-10 00:00 +08:00.)
 */
import {TestApp, useApp } from '../support/harness';
import { history, iso, setClock, startInstance, taskOf } from './api-support';

describe('scenario: bad review before National Day 2026', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  test('the 2-working-day deadline lands after the holiday and the escalation fires once', async () => {
    expect(await setClock(app, '2026-09-30T15:00:00+08:00')).toBe(0);
    const inst = await startInstance(app, 'calshire', 'calReview', 'HCP-20260930-001', { receivedAt: '2026-09-30T15:00:00+08:00' });
    expect(inst.status).toBe('running');

    const task = await taskOf(app, inst.id);
    expect(iso(task.dueAt)).toBe('2026-10-09T09:30:00.000Z');
    expect(task.dueExpression).toBe('2wd');
    expect(task.dueProvisional).toBe(false);
    const timers = await app.core.db.knex('timers').where({ instance_id: inst.id });
    expect(timers).toHaveLength(1);
    expect(timers[0]).toMatchObject({ element_id: 'handleLate', expression: '2wd', provisional: false });
    expect(iso(timers[0].due_at)).toBe('2026-10-09T09:30:00.000Z');

    // The administrator's check agrees, and names the days skipped.
    const check = await app.api.get(`/api/v1/calendars/calshire/add?from=${encodeURIComponent('2026-09-30T15:00:00+08:00')}&expr=2wd`);
    expect(check.status).toBe(200);
    expect(check.body.due).toBe('2026-10-09T17:30:00+08:00');
    expect(check.body.skipped.map((d: { date: string }) => d.date)).toEqual(['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07']);

    // Through the holiday: nothing fires.
    expect(await setClock(app, '2026-10-04T12:00:00+08:00')).toBe(0);
    expect(await setClock(app, '2026-10-08T09:00:00+08:00')).toBe(0);
    expect(await setClock(app, '2026-10-09T17:29:59+08:00')).toBe(0);
    expect((await taskOf(app, inst.id)).overdue).toBe(false);
    // Close of business on the second working day: the escalation.
    expect(await setClock(app, '2026-10-09T17:30:00+08:00')).toBe(1);
    // And never again.
    expect(await setClock(app, '2026-10-10T09:00:00+08:00')).toBe(0);
    expect(await setClock(app, '2026-10-20T09:00:00+08:00')).toBe(0);

    const events = await history(app, inst.id);
    const fired = events.filter((e) => e.type === 'timer.fired');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ elementId: 'handleLate' });
    expect(iso(fired[0].at)).toBe('2026-10-09T09:30:00.000Z');
    expect(events.filter((e) => e.type === 'service.called' && e.elementId === 'escalate')).toHaveLength(1);
    const outbox = await app.core.db.knex('outbox').where({ instance_id: inst.id });
    expect(outbox).toHaveLength(1);
    expect(outbox[0].topic).toBe('escalation');
    expect(outbox[0].body).toContain('HCP-20260930-001');
    // Fired in a batch (it only notifies): the row stays, marked, until the next step catches the engine up.
    expect(await app.core.db.knex('timers').where({ instance_id: inst.id }).whereNull('fired_at')).toHaveLength(0);

    // The boundary timer does not interrupt: the task is still open, now overdue, and can be completed.
    const late = await taskOf(app, inst.id);
    expect(late.id).toBe(task.id);
    expect(late.overdue).toBe(true);
    const done = await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } });
    expect(done.status).toBe(200);
    expect((await app.api.get(`/api/v1/process-instances/${inst.id}`)).body.status).toBe('completed');
  });

  test('the same review in a county without office hours ends at 24:00 of 10-09', async () => {
    const res = await app.api.get(`/api/v1/calendars/testshire/add?from=${encodeURIComponent('2026-09-30T15:00:00+08:00')}&expr=${encodeURIComponent('2个工作日')}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ county: 'testshire', due: '2026-10-10T00:00:00+08:00', dueUtc: '2026-10-09T16:00:00.000Z', lastDay: '2026-10-09', provisional: false });
  });
});
