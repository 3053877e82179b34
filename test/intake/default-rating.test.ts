import { createStore, startApp, TestApp, TestStore, usingPostgres } from '../support/harness';
import { COUNTY, badRating, rating, serviceCase } from '../support/intake';

/** The 7-day default: exactly once per unrated completed 办件, across restarts and concurrent runs. */
describe('the 7-day default rating', () => {
  let store: TestStore;
  let apps: TestApp[] = [];
  const base = `/api/v1/counties/${COUNTY}`;

  beforeEach(async () => {
    store = await createStore();
  });
  afterEach(async () => {
    for (const a of apps) await a.close();
    apps = [];
    await store.drop();
  });

  async function open(overrides = {}): Promise<TestApp> {
    const a = await startApp(store, overrides);
    apps.push(a);
    return a;
  }

  async function close(a: TestApp) {
    await a.close();
    apps = apps.filter((x) => x !== a);
  }

  const run = async (a: TestApp) => {
    const r = await a.api.post('/api/v1/admin/default-ratings/run');
    expect(r.status).toBe(200);
    return r.body as { applied: number; checked: number };
  };

  async function defaultsOf(a: TestApp, caseNo: string) {
    return a.core.db.knex('evaluations as e').join('service_cases as s', 's.id', 'e.service_case_id').where({ 's.case_no': caseNo, 'e.is_default': true }).select('e.*');
  }

  test('lands at 00:00 (Asia/Shanghai) of the 8th day after completion, once per unrated 办件, across a restart', async () => {
    let app = await open();
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    const rows = [
      serviceCase('D-1'),
      serviceCase('D-2'),
      serviceCase('D-3', { acceptedAt: '2026-10-30T09:00:00+08:00', completedAt: '2026-10-30T23:59:00+08:00' }), // due 7 Nov 00:00
      serviceCase('D-4'),
      serviceCase('D-5', { completedAt: '2026-11-02T00:00:00+08:00', acceptedAt: '2026-11-01T09:00:00+08:00' }), // first instant of 2 Nov: same day
      serviceCase('D-6', { mode: 'online' }),
      serviceCase('D-7', { completedAt: '2026-11-03T09:00:00+08:00' }), // due 11 Nov
      serviceCase('D-8', { completedAt: undefined }), // not completed: never defaulted
    ];
    expect((await app.api.post(`${base}/service-cases`, rows)).body.stored).toBe(8);
    expect((await app.api.get(`${base}/service-cases/D-3`)).body.ratingWindowEndsAt).toBe('2026-11-06T16:00:00.000Z');
    expect((await app.api.post(`${base}/evaluations`, rating('D-1'))).status).toBe(201);
    expect((await app.api.post(`${base}/evaluations`, badRating('D-2'))).status).toBe(201);

    expect(await run(app)).toEqual({ applied: 0, checked: 0 });
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-06T23:59:59.999+08:00' });
    expect((await run(app)).applied).toBe(0);
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-07T00:00:00+08:00' });
    expect(await run(app)).toEqual({ applied: 1, checked: 1 });
    const d3 = await defaultsOf(app, 'D-3');
    expect(d3).toHaveLength(1);
    expect(d3[0]).toMatchObject({ level: 3, channel: '7', is_default: true, is_current: true, created_by: 'system', sender_id: null });
    expect(new Date(d3[0].rated_at).toISOString()).toBe('2026-11-06T16:00:00.000Z');

    // restart before the others are due
    await close(app);
    app = await open();
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-09T23:59:59+08:00' });
    expect((await run(app)).applied).toBe(0);
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-10T00:00:00+08:00' });
    expect(await run(app)).toEqual({ applied: 3, checked: 5 }); // D-4, D-5, D-6 defaulted; D-1 and D-2 were rated
    for (const no of ['D-3', 'D-4', 'D-5', 'D-6']) expect(await defaultsOf(app, no)).toHaveLength(1);
    for (const no of ['D-1', 'D-2', 'D-7', 'D-8']) expect(await defaultsOf(app, no)).toHaveLength(0);

    // and again after another restart: nothing more
    await close(app);
    app = await open();
    expect(await run(app)).toEqual({ applied: 0, checked: 0 });
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-20T00:00:00+08:00' });
    expect((await run(app)).applied).toBe(1); // D-7
    expect((await app.core.db.knex('evaluations').where({ is_default: true })).length).toBe(5);

    // reports tell them apart
    const list = (await app.api.get(`${base}/evaluations?isDefault=true&limit=100`)).body;
    expect(list.items).toHaveLength(5);
    expect(list.items[0]).toMatchObject({ isDefault: true, channel: '7', channelName: '系统默认评价', level: 3, levelName: '基本满意', evaluator: null, senderId: null });
    const stats = (await app.api.get(`${base}/stats`)).body;
    expect(stats.ratings).toMatchObject({ total: 7, active: 2, default: 5 });
    expect((await app.api.get(`${base}/service-cases/D-4`)).body.rating).toMatchObject({ isDefault: true, level: 3, channel: '7' });
  });

  test('two runs racing (two server processes on PostgreSQL, concurrent calls on the embedded one): each 办件 once', async () => {
    const a = await open();
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    const rows = Array.from({ length: 600 }, (_, i) => serviceCase(`RACE-${i}`));
    expect((await a.api.post(`${base}/service-cases`, rows)).body.stored).toBe(600);
    for (let i = 0; i < 600; i += 7) await a.api.post(`${base}/evaluations`, rating(`RACE-${i}`));
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-10T00:00:00+08:00' });
    const b = usingPostgres ? await open() : a;
    if (usingPostgres) await b.api.put('/api/v1/admin/clock', { now: '2026-11-10T00:00:00+08:00' });
    // small batches so the runs interleave
    (a.core.defaults as unknown as { batchSize: number }).batchSize = 50;
    (b.core.defaults as unknown as { batchSize: number }).batchSize = 50;
    const results = await Promise.all([run(a), run(b), run(a), run(b)]);
    const applied = results.reduce((s, r) => s + r.applied, 0);
    const rated = Math.ceil(600 / 7);
    expect(applied).toBe(600 - rated);
    const dup = await a.core.db.knex('evaluations').where({ is_current: true }).groupBy('service_case_id').havingRaw('count(*) > 1').select('service_case_id');
    expect(dup).toHaveLength(0);
    expect(Number((await a.core.db.knex('evaluations').where({ is_default: true }).count('id as n').first())!.n)).toBe(600 - rated);
    expect((await run(a)).applied + (await run(b)).applied).toBe(0);
  });

  test('a rating made inside the window but delivered late supersedes the default; one made after the window is 409 naming it', async () => {
    const a = await open();
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    await a.api.post(`${base}/service-cases`, [serviceCase('L-1'), serviceCase('L-2')]);
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-10T08:00:00+08:00' });
    expect((await run(a)).applied).toBe(2);
    const [def1] = await defaultsOf(a, 'L-1');
    const late = await a.api.post(`${base}/evaluations`, badRating('L-1', { ratedAt: '2026-11-09T21:00:00+08:00' }));
    expect(late.status).toBe(201);
    expect(late.body.caseId).toBeTruthy();
    expect((await a.api.get(`${base}/evaluations/${def1.id}`)).body).toMatchObject({ isDefault: true, current: false, supersededBy: late.body.id });
    const [def2] = await defaultsOf(a, 'L-2');
    const after = await a.api.post(`${base}/evaluations`, rating('L-2', { ratedAt: '2026-11-10T07:00:00+08:00' }));
    expect(after.status).toBe(409);
    expect(after.body.details[0]).toMatchObject({ field: 'caseNo', existingId: def2.id, isDefault: true });
    expect(after.body.message).toContain('7-day default');
  });

  test('the scheduler poll applies due defaults by itself', async () => {
    const a = await open({ schedulerEnabled: true, pollIntervalMs: 20 });
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    await a.api.post(`${base}/service-cases`, serviceCase('P-1'));
    await a.api.put('/api/v1/admin/clock', { now: '2026-11-10T00:00:01+08:00' });
    let found = 0;
    for (let i = 0; i < 200 && !found; i++) {
      found = (await defaultsOf(a, 'P-1')).length;
      if (!found) await new Promise((r) => setTimeout(r, 25));
    }
    expect(found).toBe(1);
  });
});
