/**
 * Points 7 and 9 through real HTTP: the inputs the issue found answering 500 each answer 4xx naming the
 * field and write nothing; an impossible date is refused, not rolled over (moving the simulated clock
 * backwards stays allowed).
 */
import { ADMIN_TOKEN, ApiClient, TestApp, useApp } from '../support/harness';
import { COUNTY, serviceCase } from '../support/intake';
import { TableCounts, countRows } from '../support/tables';

describe('points 7 and 9: every bad input is a 4xx naming the field', () => {
  let app: TestApp;
  let api: ApiClient;
  let counts: TableCounts;
  useApp((a) => (app = a));
  beforeAll(async () => {
    api = app.api.as(ADMIN_TOKEN);
    counts = await countRows(app.core.db.knex);
    await api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
  });

  /** Sends, expects a 4xx naming `field`, and that no table changed. */
  async function refused(send: () => Promise<{ status: number; body: any }>, field: string | RegExp, status = 400) {
    const before = await counts();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: typeof field === 'string' ? field : expect.stringMatching(field) })]));
    expect(await counts()).toEqual(before);
  }

  const notUuids = ['x', '1', "'; drop table tasks; --", '------------------------------------', '00000000-0000-0000-0000-00000000000g', '0'.repeat(36), '{}', '%', '😀'];

  test.each(notUuids)('instanceId=%s on GET /tasks is 400 naming instanceId', async (v) => {
    await refused(() => api.get(`/api/v1/tasks?instanceId=${encodeURIComponent(v)}`), 'instanceId');
  });

  test.each(['/api/v1/tasks/', '/api/v1/process-instances/', '/api/v1/definitions/', `/api/v1/counties/${COUNTY}/cases/`, `/api/v1/counties/${COUNTY}/evaluations/`])('a 36-dash id on %s is 404', async (base) => {
    const res = await api.get(`${base}${'-'.repeat(36)}`);
    expect(res.status).toBe(404);
  });

  test.each(['/api/v1/tasks', '/api/v1/process-instances', `/api/v1/counties/${COUNTY}/cases`, `/api/v1/counties/${COUNTY}/evaluations`, `/api/v1/counties/${COUNTY}/service-cases`, '/api/v1/admin/outbox', `/api/v1/counties/${COUNTY}/pii-reveals`])(
    'offset=99999999999999999999 on %s is 400 naming offset',
    async (list) => {
      await refused(() => api.get(`${list}?offset=99999999999999999999`), 'offset');
      await refused(() => api.get(`${list}?limit=-1`), 'limit');
    },
  );

  test('a NUL character in a filter, a key, a comment or a calendar source', async () => {
    await refused(() => api.get('/api/v1/tasks?businessKey=a%00b'), 'businessKey');
    await refused(() => api.get(`/api/v1/counties/${COUNTY}/cases?unit=%00`), 'unit');
    await refused(() => api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('N-1', { caseNo: 'N\u00001' })), /caseNo/);
    await refused(() => api.post(`/api/v1/counties/${COUNTY}/service-cases`, { ...serviceCase('N-2'), 'a\u0000b': 1 }), /^a.b$/);
    await refused(() => api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', variables: { 'k\u0000': 1 } }), /^variables\.k/);
    await refused(() => api.put('/api/v1/calendars/national/2027', { holidays: [], workdays: [], source: 'State Council\u0000', level: 'official' }), 'source');
    await refused(() => api.post('/api/v1/tasks/00000000-0000-0000-0000-000000000000/comments', { body: 'x\u0000' }), 'body');
    await refused(() => api.get('/api/v1/tasks/a%00b'), 'id');
  });

  test('POST /admin/users: a numeric token, a token in use, a name of 10,000 characters, an unknown county', async () => {
    await refused(() => api.post('/api/v1/admin/users', { id: 'u-num', roles: ['staff'], counties: [COUNTY], token: 12345678901234567890 }), 'token');
    await refused(() => api.post('/api/v1/admin/users', { id: 'u-dup', roles: ['staff'], counties: [COUNTY], token: ADMIN_TOKEN }), 'token', 409);
    await refused(() => api.post('/api/v1/admin/users', { id: 'u-long', name: '名'.repeat(10_000), counties: [COUNTY] }), 'name');
    await refused(() => api.post('/api/v1/admin/users', { id: 'u-where', counties: ['atlantis'] }), 'counties[0]');
    await refused(() => api.post('/api/v1/admin/users', { id: 'test-admin', counties: [COUNTY] }), 'id', 409);
    await refused(() => api.post('/api/v1/admin/users', [1, 2]), 'body');
  });

  test('variables too deep, too large or not an object, at a start or a completion', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 12; i++) deep = { d: deep };
    await refused(() => api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', variables: { deep } }), /variables\.deep/);
    await refused(() => api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', variables: { big: 'x'.repeat(20_000) } }), 'variables.big');
    await refused(() => api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', variables: [1] }), 'variables');
    await refused(() => api.post('/api/v1/counties/testshire/process-instances', { processKey: '../../etc' }), 'processKey');
    await refused(() => api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'k'.repeat(201) }), 'businessKey');
    // 5,000 levels: sent as text (JSON.stringify itself would overflow here).
    const deeper = `{"processKey": "hostBasic", "variables": {"deeper": ${'['.repeat(5000)}1${']'.repeat(5000)}}}`;
    const raw = async () => {
      const res = await fetch(`${app.url}/api/v1/counties/testshire/process-instances`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: deeper });
      return { status: res.status, body: await res.json() };
    };
    await refused(raw, /^variables\.deeper/);
  });

  test('point 9: 2026-02-30 is refused, not stored as 2 March; the clock may still go back', async () => {
    await refused(() => api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('D-1', { acceptedAt: '2026-02-30T10:00:00+08:00', completedAt: null })), 'acceptedAt');
    await refused(() => api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('D-2', { acceptedAt: '2026-02-28T24:10:00+08:00', completedAt: null })), 'acceptedAt');
    await refused(() => api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('D-3', { acceptedAt: '2026-04-31 10:00:00', completedAt: null })), 'acceptedAt');
    await refused(() => api.get(`/api/v1/counties/${COUNTY}/cases?receivedFrom=2026-02-30`), 'receivedFrom');
    await refused(() => api.put('/api/v1/admin/clock', { now: '2026-02-30T10:00:00+08:00' }), 'now');
    const ok = await api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('D-4', { acceptedAt: '2026-02-28T10:00:00+08:00', completedAt: null }));
    expect(ok.status).toBe(201);
    expect(ok.body.acceptedAt).toBe('2026-02-28T02:00:00.000Z');
    const back = await api.put('/api/v1/admin/clock', { now: '2026-01-05T09:00:00+08:00' });
    expect(back.status).toBe(200);
    expect(back.body.now).toBe('2026-01-05T01:00:00.000Z');
  });
});
