/**
 * What an operator reads besides /metrics: the request id (taken from x-request-id or made, echoed, on
 * every JSON log line the request causes), /health naming what is not ready (503), and the progress of
 * a long job (a calendar recompute) in /health and in log lines.
 */
import { jsonLine, jsonLogger, requestContext } from '../../src/log';
import { Progress } from '../../src/progress';
import { Scheduler } from '../../src/scheduler';
import { TestApp, useApp } from '../support/harness';

describe('request id, health, progress', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  test('an x-request-id is echoed; without one (or a hostile one) a new id is made', async () => {
    const given = await fetch(`${app.url}/health`, { headers: { 'x-request-id': 'lb-7f3a.42' } });
    expect(given.headers.get('x-request-id')).toBe('lb-7f3a.42');
    const made = await fetch(`${app.url}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await fetch(`${app.url}/health`, { headers: { 'x-request-id': 'a b"}{' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a log line is one JSON object, with the request id of the request it serves', () => {
    const lines: string[] = [];
    const logger = jsonLogger({ write: (l) => lines.push(l) });
    requestContext.run({ requestId: 'req-1' }, () => logger.warn('timer t1 of instance i1 did not fire', { instanceId: 'i1' }));
    logger.log('outside');
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(a).toMatchObject({ level: 'warn', msg: 'timer t1 of instance i1 did not fire', instanceId: 'i1', requestId: 'req-1' });
    expect(typeof a.time).toBe('string');
    expect(b.requestId).toBeUndefined();
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(JSON.parse(jsonLine('info', 'x', { a: 1 }))).toMatchObject({ msg: 'x', a: 1 });
  });

  test('/health: 200 and ready today; 503 naming the calendar year of today when it is not loaded', async () => {
    await app.api.put('/api/v1/admin/clock', { now: '2026-06-01T10:00:00+08:00' });
    const ok = await app.api.get('/health');
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('ok');
    expect(ok.body.scheduler).toMatchObject({ running: false, disabled: true });
    await app.api.put('/api/v1/admin/clock', { now: '2027-03-01T10:00:00+08:00' });
    const missing = await app.api.get('/health');
    expect(missing.status).toBe(503);
    expect(missing.body.status).toBe('not_ready');
    expect(missing.body.notReady.join(' ')).toMatch(/calendar: national 2027 not loaded/);
  });

  test('a calendar recompute reports its progress (done/total) in /health and in log lines', async () => {
    // A task whose deadline runs into 2027 (two working days from 30 December): the recompute has work.
    await app.api.put('/api/v1/admin/clock', { now: '2026-12-30T10:00:00+08:00' });
    expect((await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'OBS-2027' })).status).toBe(201);
    const put = await app.api.put('/api/v1/calendars/national/2027', {
      holidays: [{ date: '2027-01-01', name: '元旦' }],
      workdays: [],
      source: 'test data standing for the 2027 notice',
      level: 'official',
    });
    expect(put.status).toBe(200);
    const jobs = (await app.api.get('/health')).body.jobs;
    expect(jobs.ended[0]).toMatchObject({ job: expect.stringMatching(/^calendar recompute national\/2027/), done: expect.any(Number), total: expect.any(Number) });
    expect(jobs.ended[0].done).toBe(jobs.ended[0].total);
    expect(jobs.ended[0].total).toBeGreaterThan(0);

    const lines: Array<{ msg: string; done: number; total: number }> = [];
    let t = 0;
    const p = new Progress(jsonLogger({ write: (l) => lines.push(JSON.parse(l)) }), () => (t += 100));
    const h = p.begin('bulk import', 1000);
    for (let i = 0; i < 10; i++) h.advance(100);
    h.end();
    expect(lines.map((l) => `${l.done}/${l.total}`)).toEqual(['0/1000', ...Array.from({ length: 10 }, (_, i) => `${(i + 1) * 100}/1000`), '1000/1000']);
  });

  test('a long round of one job does not hold the others: due timers keep firing while a daily job runs', async () => {
    let release!: () => void;
    let rounds = 0;
    const s = new Scheduler(
      [
        { name: 'audit-anchors', run: () => new Promise<void>((r) => (release = r)) },
        { name: 'timers', run: async () => void rounds++ },
      ],
      5,
      { log: () => undefined, warn: () => undefined, error: () => undefined },
    );
    s.start();
    for (let i = 0; i < 400 && rounds < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(rounds).toBeGreaterThanOrEqual(3);
    release();
    await s.stop();
  });

  test('a scheduler whose rounds stopped ending is not ready', async () => {
    let release!: () => void;
    const s = new Scheduler([{ name: 'stuck', run: () => new Promise<void>((r) => (release = r)) }], 10, { log: () => undefined, warn: () => undefined, error: () => undefined });
    s.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(s.status(60_000).notReady).toBeUndefined();
    expect(s.status(20).notReady).toMatch(/scheduler: no round ended for/);
    release();
    await s.stop();
  });
});
