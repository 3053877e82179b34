import { createStore, startApp, usingPostgres, TestStore, TestApp } from '../support/harness';
import { openDatabase, DataDirLockedError } from '../../src/db/database';

describe('several server processes on one database', () => {
  let store: TestStore;
  const apps: TestApp[] = [];

  beforeEach(async () => {
    store = await createStore();
  });
  afterEach(async () => {
    while (apps.length) await apps.pop()!.close();
    await store.drop();
  });

  (usingPostgres ? test : test.skip)('two applications complete the same task at once: one wins, the other gets 409', async () => {
    const a = await startApp(store);
    apps.push(a);
    const b = await startApp(store);
    apps.push(b);
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
    await b.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
    for (let round = 0; round < 5; round++) {
      const inst = (await a.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: `RACE-${round}` })).body;
      const task = (await b.api.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
      const [ra, rb] = await Promise.all([
        a.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } }),
        b.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'mistaken' } }),
      ]);
      expect([ra.status, rb.status].sort()).toEqual([200, 409]);
      const loser = ra.status === 409 ? ra : rb;
      expect(loser.body.error).toBe('task_not_open');
      const knex = a.core.db.knex;
      expect(await knex('tasks').where({ instance_id: inst.id })).toHaveLength(1);
      expect(await knex('timers').where({ instance_id: inst.id })).toHaveLength(0);
      expect(await knex('outbox').where({ instance_id: inst.id })).toHaveLength(1);
      const completions = await knex('journal').where({ instance_id: inst.id, type: 'task.completed' });
      expect(completions).toHaveLength(1);
      const i = (await b.api.get(`/api/v1/process-instances/${inst.id}`)).body;
      expect(i.status).toBe('completed');
      expect(i.variables.verdict).toBe(ra.status === 200 ? 'genuine' : 'mistaken');
    }
  });

  (usingPostgres ? test : test.skip)('two schedulers claim the same due timers: each fires once', async () => {
    const a = await startApp(store);
    apps.push(a);
    const b = await startApp(store);
    apps.push(b);
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push((await a.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: `T-${i}` })).body.id);
    }
    a.core.clock.set(new Date('2026-11-26T00:00:00+08:00'));
    b.core.clock.set(new Date('2026-11-26T00:00:00+08:00'));
    const [fa, fb] = await Promise.all([a.core.timers.drain(), b.core.timers.drain()]);
    expect(fa + fb).toBe(20);
    const knex = a.core.db.knex;
    const fired = await knex('journal').whereIn('instance_id', ids).andWhere({ type: 'timer.fired' });
    expect(fired).toHaveLength(20);
    expect(await knex('outbox').whereIn('instance_id', ids)).toHaveLength(20);
    expect(await knex('timers').whereIn('instance_id', ids)).toHaveLength(0);
  });

  (usingPostgres ? test.skip : test)('a second process on the same embedded data folder is stopped with a clear message', async () => {
    const a = await startApp(store);
    apps.push(a);
    // Same process: refused too (the lock is per folder, not per process).
    await expect(openDatabase({ dataDir: store.dataDir })).rejects.toThrow(DataDirLockedError);
    await expect(openDatabase({ dataDir: store.dataDir })).rejects.toThrow(/in use|already open/);
  });
});
