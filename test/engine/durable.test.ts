import { createStore, startApp, TestStore, TestApp } from '../support/harness';

describe('durable host: restart in the middle of an instance', () => {
  let store: TestStore;
  let app: TestApp | undefined;

  beforeEach(async () => {
    store = await createStore();
  });
  afterEach(async () => {
    await app?.close();
    await store.drop();
  });

  async function startCase(a: TestApp, businessKey: string) {
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' }); // a Friday
    const res = await a.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey, variables: { receivedAt: '2026-11-20T02:00:00Z' } });
    expect(res.status).toBe(201);
    return res.body;
  }

  test('task completed after a restart: every step once in the history', async () => {
    app = await startApp(store);
    const inst = await startCase(app, 'CASE-1');
    const tasks1 = await app.api.get(`/api/v1/tasks?instanceId=${inst.id}`);
    expect(tasks1.body.items).toHaveLength(1);
    const task = tasks1.body.items[0];
    expect(task).toMatchObject({ elementId: 'register', candidateGroups: ['处理中心'], formKey: 'register', status: 'open' });
    // Friday + 2 working days = Tuesday 24:00 (Asia/Shanghai)
    expect(new Date(task.dueAt).toISOString()).toBe('2026-11-24T16:00:00.000Z');

    await app.close();
    app = await startApp(store);

    const again = await app.api.get(`/api/v1/tasks?instanceId=${inst.id}`);
    expect(again.body.items.map((t: { id: string }) => t.id)).toEqual([task.id]);
    const done = await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine', note: 'called back' } });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');

    const i2 = await app.api.get(`/api/v1/process-instances/${inst.id}`);
    expect(i2.body.status).toBe('completed');
    expect(i2.body.variables).toMatchObject({ verdict: 'genuine' });

    const hist = await app.api.get(`/api/v1/process-instances/${inst.id}/history`);
    const steps = hist.body.events.map((e: { type: string; elementId: string | null }) => `${e.type}${e.elementId ? `:${e.elementId}` : ''}`);
    expect(steps).toEqual([
      'instance.started',
      'activity.enter:received',
      'activity.end:received',
      'flow.take:toRegister',
      'activity.enter:register',
      'activity.enter:registerLate',
      'timer.scheduled:registerLate',
      'activity.wait:register',
      'task.completed:register',
      'activity.end:register',
      'flow.take:toHandover',
      'activity.enter:tellUnit',
      'service.called:tellUnit',
      'activity.end:tellUnit',
      'flow.take:toDone',
      'activity.enter:done',
      'activity.end:done',
      'process.end:hostBasic',
      'instance.completed',
    ]);
    const completed = hist.body.events.find((e: { type: string }) => e.type === 'task.completed');
    expect(completed.actor).toBe('test-admin');
    const timers = await app.core.db.knex('timers').where({ instance_id: inst.id });
    expect(timers).toHaveLength(0);
    const outbox = await app.core.db.knex('outbox').where({ instance_id: inst.id });
    expect(outbox).toHaveLength(1);
    expect(outbox[0].body).toContain('CASE-1');
    expect(outbox[0].body).toContain('genuine');
  });

  test('timer fires after a restart, once', async () => {
    app = await startApp(store);
    const inst = await startCase(app, 'CASE-2');
    const timers = await app.core.db.knex('timers').where({ instance_id: inst.id });
    expect(timers).toHaveLength(1);
    expect(new Date(timers[0].due_at).toISOString()).toBe('2026-11-24T16:00:00.000Z');

    await app.close();
    app = await startApp(store);
    // Not yet due: nothing fires.
    const early = await app.api.put('/api/v1/admin/clock', { now: '2026-11-24T23:59:00+08:00' });
    expect(early.body.timersFired).toBe(0);
    const late = await app.api.put('/api/v1/admin/clock', { now: '2026-11-25T00:00:00+08:00' });
    expect(late.status).toBe(200);
    expect(late.body.timersFired).toBe(1);
    const again = await app.api.put('/api/v1/admin/clock', { now: '2026-11-26T00:00:00+08:00' });
    expect(again.body.timersFired).toBe(0);

    const i2 = await app.api.get(`/api/v1/process-instances/${inst.id}`);
    expect(i2.body.status).toBe('completed');
    const hist = await app.api.get(`/api/v1/process-instances/${inst.id}/history`);
    const types = hist.body.events.map((e: { type: string; elementId: string }) => `${e.type}:${e.elementId ?? ''}`);
    expect(types.filter((t: string) => t === 'timer.fired:registerLate')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'service.called:escalate')).toHaveLength(1);
    expect(types).toContain('task.cancelled:register');
    const task = (await app.api.get(`/api/v1/tasks?instanceId=${inst.id}&status=cancelled`)).body.items;
    expect(task).toHaveLength(1);
    const outbox = await app.core.db.knex('outbox').where({ instance_id: inst.id });
    expect(outbox.map((o: { topic: string }) => o.topic)).toEqual(['escalation']);
  });
});
