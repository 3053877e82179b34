/**
 * GET /metrics over real HTTP: the step histogram moves after a completion; ratings, timers, outbox and
 * engine cache (its size, weight, hits and misses) are there; who may scrape (an installation
 * administrator, or METRICS_TOKEN and nothing else).
 */
import { TestApp, useApp } from '../support/harness';
import { rating, serviceCase } from '../support/intake';

const METRICS_TOKEN = 'scrape-token-0123456789';

/** The value of one sample line, e.g. hcp_step_duration_seconds_count{kind="complete"}. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([^{ ]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries((m[2] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, JSON.parse(v)]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('GET /metrics', () => {
  let app: TestApp;
  useApp((a) => (app = a), { metricsToken: METRICS_TOKEN });

  it('counts a completion in the step histogram, by county and process, and shows the gauges', async () => {
    const root = app.api;
    const inst = (await root.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'MET-1' })).body;
    const before = await root.get('/metrics');
    expect(before.status).toBe(200);
    const text0 = before.body as string;
    expect(sample(text0, 'hcp_step_duration_seconds_count', { kind: 'start' })).toBeGreaterThanOrEqual(1);

    const task = (await root.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
    expect((await root.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } })).status).toBe(200);

    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text1 = await res.text();
    expect(sample(text1, 'hcp_step_duration_seconds_count', { kind: 'complete' })).toBe(sample(text0, 'hcp_step_duration_seconds_count', { kind: 'complete' }) + 1);
    expect(sample(text1, 'hcp_steps_total', { county: 'testshire', process: 'hostBasic', kind: 'complete' })).toBe(1);
    for (const name of ['hcp_timers_due', 'hcp_timers_lag_seconds', 'hcp_outbox_pending', 'hcp_outbox_dead', 'hcp_engine_cache_size', 'hcp_engine_cache_bytes', 'hcp_process_resident_memory_bytes', 'hcp_nodejs_heap_size_used_bytes']) {
      expect(text1).toMatch(new RegExp(`^${name} `, 'm'));
    }
    // The completed instance ended: its engine is not kept; the notification waits in the outbox.
    expect(sample(text1, 'hcp_outbox_pending')).toBeGreaterThanOrEqual(1);
  });

  it('counts steps that found their engine kept (hit) and those that rebuilt it (miss)', async () => {
    const root = app.api;
    const complete = async (key: string, dropEngines: boolean) => {
      const inst = (await root.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: key })).body;
      if (dropEngines) app.core.runner.stopAll();
      const task = (await root.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
      expect((await root.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } })).status).toBe(200);
    };
    const lookups = async () => {
      const text = (await root.get('/metrics')).body as string;
      return { hit: sample(text, 'hcp_engine_cache_lookups_total', { result: 'hit' }), miss: sample(text, 'hcp_engine_cache_lookups_total', { result: 'miss' }) };
    };
    const l0 = await lookups();
    await complete('MET-HIT', false);
    const l1 = await lookups();
    expect(l1).toEqual({ hit: l0.hit + 1, miss: l0.miss });
    await complete('MET-MISS', true);
    expect(await lookups()).toEqual({ hit: l1.hit, miss: l1.miss + 1 });
  });

  it('counts a failed step by its reason', async () => {
    const root = app.api;
    const inst = (await root.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'MET-2' })).body;
    const task = (await root.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
    const row = await app.core.db.knex('tasks').where({ id: task.id }).first();
    await root.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } });
    // The loser of a race: the runner's step finds the task completed under the lock.
    await expect(app.core.runner.complete(row, 'test-admin', { verdict: 'genuine' })).rejects.toMatchObject({ code: 'task_not_open' });
    const text = (await root.get('/metrics')).body as string;
    expect(sample(text, 'hcp_step_failures_total', { county: 'testshire', process: 'hostBasic', kind: 'complete', reason: 'task_not_open' })).toBeGreaterThanOrEqual(1);
  });

  it('counts ratings, good and bad', async () => {
    const root = app.api;
    await root.post('/api/v1/counties/intakeshire/service-cases', serviceCase('MET-SC-1'));
    expect((await root.post('/api/v1/counties/intakeshire/evaluations', rating('MET-SC-1'))).status).toBe(201);
    const text = (await root.get('/metrics')).body as string;
    expect(sample(text, 'hcp_intake_ratings_total', { county: 'intakeshire', bad: 'false' })).toBe(1);
  });

  it('is read by an installation administrator or with METRICS_TOKEN only', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    await app.api.post('/api/v1/admin/users', { id: 'met-county-admin', roles: ['admin'], counties: ['testshire'] });
    const token = (await app.api.post('/api/v1/admin/users/met-county-admin/token')).body.token;
    expect((await app.api.as(token).get('/metrics')).status).toBe(403);
    // The scrape token opens nothing else.
    expect((await app.api.as(METRICS_TOKEN).get('/api/v1/tasks')).status).toBe(401);
  });
});
