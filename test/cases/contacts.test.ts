/**
 * The evaluator's SMS: the outbox names only the recipient token "evaluator"; at delivery the dispatcher
 * decrypts the phone for the transport (an SMS gateway behind the webhook), records that it did, and the
 * number appears nowhere else.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { WebhookTransport } from '../../src/notifications/transports';
import { DISPATCHER_ACTOR } from '../../src/cases/contacts';
import { createStore, startApp, TestApp, TestStore } from '../support/harness';
import { COUNTY, EVALUATOR, badRating, serviceCase } from '../support/intake';

describe('delivering the evaluator notification', () => {
  let store: TestStore;
  let app: TestApp;
  let server: http.Server;
  const received: Array<Record<string, any>> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
    store = await createStore();
    app = await startApp(store, {}, { transport: new WebhookTransport(url, 'secret') });
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
  });
  afterAll(async () => {
    await app.close();
    await store.drop();
    await new Promise((r) => server.close(r));
  });

  test('the phone is resolved at delivery, sent to the gateway only, and the lookup is audited', async () => {
    expect((await app.api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('SMS-1'))).status).toBe(201);
    const rated = await app.api.post(`/api/v1/counties/${COUNTY}/evaluations`, badRating('SMS-1', { senderId: 'sms-1' }));
    expect(rated.status).toBe(201);
    const caseId = rated.body.caseId;
    for (const variables of [{ genuine: true, reason: '属实' }, { measures: '张贴告知清单' }]) {
      const task = (await app.api.get(`/api/v1/tasks?businessKey=${caseId}`)).body.items[0];
      const done = await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables });
      expect(done.status).toBe(200);
    }
    const knex = app.core.db.knex;
    const rows = await knex('outbox').where({ county_id: COUNTY });
    const sms = rows.find((r: { recipients: string[] }) => r.recipients.includes('evaluator'));
    expect(sms).toBeDefined();
    expect(JSON.stringify(rows)).not.toContain(EVALUATOR.phone);

    await app.core.dispatch.dispatch(50, new Date(Date.now() + 1000));
    const toGateway = received.find((r) => r.id === sms.id);
    expect(toGateway).toBeDefined();
    expect(toGateway!.contacts).toEqual({ evaluator: { phone: EVALUATOR.phone } });
    expect(toGateway!.body).not.toContain(EVALUATOR.phone);
    for (const other of received.filter((r) => r.id !== sms.id)) expect(other.contacts).toBeUndefined();

    const audit = await knex('pii_reveals').where({ user_id: DISPATCHER_ACTOR });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ case_id: caseId, fields: ['evaluator.phone'] });
  });
});
