import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { sign, SIGNATURE_HEADER, WebhookTransport } from '../../src/notifications/transports';
import { OutboxDispatch } from '../../src/notifications/dispatch';
import { createStore, startApp, TestApp, TestStore } from '../support/harness';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real local HTTP receiver that answers with the statuses it is given, in order. */
function receiver(statuses: number[]) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  return new Promise<{ url: string; got: Received[]; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

describe('notifications: outbox and webhook delivery', () => {
  let store: TestStore;
  let app: TestApp;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    store = await createStore();
    hook = await receiver([500, 503]);
    app = await startApp(store, { outboxMaxAttempts: 4 }, { transport: new WebhookTransport(hook.url, 'shared-secret') });
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
  });
  afterAll(async () => {
    await app.close();
    await hook.close();
    await store.drop();
  });

  test('delivered at least once, retried with backoff, signed, with a stable idempotency key', async () => {
    const inst = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'N-1' })).body;
    const task = (await app.api.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
    await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } });
    const knex = app.core.db.knex;
    const [row] = await knex('outbox').where({ instance_id: inst.id });
    expect(row.status).toBe('pending');

    const t0 = Date.now();
    expect(await app.core.dispatch.dispatch(50, new Date(t0))).toBe(0); // 500
    let r = await knex('outbox').where({ id: row.id }).first();
    expect(r).toMatchObject({ status: 'pending', attempts: 1, last_error: 'webhook answered 500' });
    const wait1 = new Date(r.next_attempt_at).getTime() - t0;
    expect(wait1).toBeGreaterThanOrEqual(800);
    // Not due yet: nothing is sent.
    expect(await app.core.dispatch.dispatch(50, new Date(t0 + 100))).toBe(0);
    expect(hook.got).toHaveLength(1);
    expect(await app.core.dispatch.dispatch(50, new Date(t0 + 60_000))).toBe(0); // 503
    r = await knex('outbox').where({ id: row.id }).first();
    expect(r.attempts).toBe(2);
    expect(new Date(r.next_attempt_at).getTime() - (t0 + 60_000)).toBeGreaterThan(wait1); // backoff grows
    expect(await app.core.dispatch.dispatch(50, new Date(t0 + 120_000))).toBe(1); // 200
    r = await knex('outbox').where({ id: row.id }).first();
    expect(r).toMatchObject({ status: 'delivered', attempts: 3 });

    expect(hook.got).toHaveLength(3);
    const keys = new Set(hook.got.map((g) => g.headers['idempotency-key']));
    expect([...keys]).toEqual([row.id]);
    for (const g of hook.got) {
      expect(g.headers[SIGNATURE_HEADER]).toBe(sign('shared-secret', String(g.headers['x-hcp-timestamp']), g.body));
    }
    const payload = JSON.parse(hook.got[2].body);
    expect(payload).toMatchObject({ id: row.id, county: 'testshire', topic: 'handover', recipients: ['unit:unit-a'] });
    expect(payload.body).toContain('N-1');
    // Delivered rows are not sent again.
    expect(await app.core.dispatch.dispatch(50, new Date(t0 + 3_600_000))).toBe(0);
    expect(hook.got).toHaveLength(3);
  });

  test('a receiver that keeps failing: the row is parked as dead after the maximum attempts', async () => {
    const inst = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'N-2' })).body;
    const task = (await app.api.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
    await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine' } });
    const failing = await receiver([500, 500, 500, 500, 500]);

    const s = new OutboxDispatch(app.core.db.knex, new WebhookTransport(failing.url, 'x'), undefined, { nodeId: 'test', leaseMs: app.core.config.leaseMs, maxAttempts: 4 }, { log() {}, warn() {}, error() {} });
    let t = Date.now();
    for (let i = 0; i < 6; i++) {
      await s.dispatch(50, new Date(t));
      t += 3_600_000;
    }
    const row = await app.core.db.knex('outbox').where({ instance_id: inst.id }).first();
    expect(row).toMatchObject({ status: 'dead', attempts: 4 });
    expect(failing.got).toHaveLength(4);
    const dead = (await app.api.get('/api/v1/admin/outbox?status=dead')).body.items;
    expect(dead.map((d: { id: string }) => d.id)).toContain(row.id);
    // Each row names its case: the instance and its business key, and can be asked for by either.
    expect(dead.find((d: { id: string }) => d.id === row.id)).toMatchObject({ instanceId: inst.id, businessKey: 'N-2' });
    const byKey = (await app.api.get('/api/v1/admin/outbox?businessKey=N-2')).body.items;
    expect(byKey.map((d: { id: string }) => d.id)).toEqual([row.id]);
    expect((await app.api.get(`/api/v1/admin/outbox?instanceId=${inst.id}`)).body.items).toHaveLength(1);
    await failing.close();
  });
});
