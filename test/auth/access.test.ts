/**
 * Points 1–4 through real HTTP: no user reaches beyond their county or grants what they do not hold;
 * starting a diagram by hand is an administrator's act; only those who may act on a task unclaim or
 * comment on it, and a repeated claim changes nothing; tokens expire, users are disabled, tokens rotated.
 */
import { ADMIN_TOKEN, ApiClient, TestApp, useApp } from '../support/harness';
import { COUNTY, badRating, serviceCase } from '../support/intake';

describe('points 1–4: access', () => {
  let app: TestApp;
  let root: ApiClient;
  let wall = new Date('2026-11-30T10:00:00Z');
  useApp((a) => (app = a), {}, { wallNow: () => wall });

  const mk = async (id: string, roles: string[], counties: string[], units: string[] = []) => {
    const r = await root.post('/api/v1/admin/users', { id, roles, counties, units });
    if (r.status !== 201) throw new Error(`${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return app.api.as(r.body.token);
  };

  beforeAll(async () => {
    root = app.api.as(ADMIN_TOKEN);
    await root.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
  });

  test('point 1: a county administrator grants only what they hold, and cannot act on the installation', async () => {
    const local = await mk('ld-admin', ['admin'], [COUNTY]);
    const everywhere = await local.post('/api/v1/admin/users', { id: 'x1', roles: ['staff'], counties: ['*'] });
    expect(everywhere.status).toBe(403);
    expect(everywhere.body.details).toEqual([{ field: 'counties[0]', reason: expect.stringMatching(/every county/) }]);
    const reader = await local.post('/api/v1/admin/users', { id: 'x2', roles: ['staff', 'pii-reader'], counties: [COUNTY] });
    expect(reader.status).toBe(403);
    expect(reader.body.details).toEqual([{ field: 'roles[1]', reason: 'you do not hold the role "pii-reader", so you cannot grant it' }]);
    expect((await local.post('/api/v1/admin/users', { id: 'x3', roles: ['staff'], counties: ['testshire'] })).body.details[0].field).toBe('counties[0]');
    expect((await local.post('/api/v1/admin/users', { id: 'x4', roles: ['staff'], counties: [COUNTY], units: ['unit-z'] })).body.details[0].field).toBe('units[0]');
    expect(await app.core.db.knex('users').whereIn('id', ['x1', 'x2', 'x3', 'x4'])).toHaveLength(0);
    // What they hold they may grant: staff of their county, a unit of it, even another administrator of it.
    expect((await local.post('/api/v1/admin/users', { id: 'ld-clerk', roles: ['staff', '处理中心'], counties: [COUNTY], units: ['unit-a'] })).status).toBe(201);
    expect((await local.post('/api/v1/admin/users', { id: 'ld-admin2', roles: ['admin'], counties: [COUNTY] })).status).toBe(201);

    // Installation-wide acts.
    expect((await local.put('/api/v1/admin/clock', { now: '2026-11-04T10:00:00+08:00' })).status).toBe(403);
    expect((await local.put('/api/v1/calendars/national/2027', { holidays: [], workdays: [], source: 'x', level: 'official' })).status).toBe(403);
    expect((await local.post('/api/v1/admin/default-ratings/run', {})).status).toBe(403);
    // Another county's data: not even its existence.
    await root.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'A-1' });
    const theirs = (await root.get('/api/v1/process-instances?county=testshire')).body.items[0];
    expect((await local.get(`/api/v1/process-instances/${theirs.id}`)).status).toBe(404);
    expect((await local.get('/api/v1/counties/testshire/cases')).status).toBe(404);
    expect((await local.get('/api/v1/process-instances?county=testshire')).status).toBe(404);
    // The outbox: their counties' rows only.
    await root.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('AC-1'));
    const bad = await root.post(`/api/v1/counties/${COUNTY}/evaluations`, badRating('AC-1'));
    const kase = (await root.get(`/api/v1/counties/${COUNTY}/cases/${bad.body.caseId}`)).body;
    await root.post(`/api/v1/tasks/${kase.openTasks[0].id}/complete`, { variables: { genuine: true } });
    const t2 = (await root.get(`/api/v1/counties/${COUNTY}/cases/${bad.body.caseId}`)).body.openTasks[0];
    await root.post(`/api/v1/tasks/${t2.id}/complete`, { variables: { measures: 'x' } });
    await root.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' }); // testshire's 2wd timer fires: an outbox row of testshire
    const all = (await root.get('/api/v1/admin/outbox?limit=500')).body.items.map((o: { county: string }) => o.county);
    expect(new Set(all)).toEqual(new Set([COUNTY, 'testshire']));
    const mine = (await local.get('/api/v1/admin/outbox?limit=500')).body.items.map((o: { county: string }) => o.county);
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine)).toEqual(new Set([COUNTY]));
    // An installation administrator is where a pii-reader comes from.
    expect((await root.post('/api/v1/admin/users', { id: 'ld-reader', roles: ['pii-reader'], counties: [COUNTY] })).status).toBe(201);
    const rongan = await mk('other-reader', ['pii-reader'], ['testshire']);
    expect((await rongan.get(`/api/v1/counties/${COUNTY}/cases/${bad.body.caseId}?reveal=true`)).status).toBe(404);
  });

  test('point 2: only administrators (and process administrators) of the county start a diagram by hand', async () => {
    const body = { processKey: 'hostBasic', variables: { verdict: 'genuine' } };
    const before = await app.core.db.knex('process_instances').count<{ c: string }[]>('id as c');
    for (const [id, roles] of [
      ['p2-auditor', ['auditor']],
      ['p2-none', []],
      ['p2-staff', ['staff', '处理中心']],
      ['p2-unit', ['staff', '责任单位']],
    ] as Array<[string, string[]]>) {
      const who = await mk(id, roles, ['testshire']);
      const r = await who.post('/api/v1/counties/testshire/process-instances', body);
      expect([id, r.status]).toEqual([id, 403]);
    }
    expect(await app.core.db.knex('process_instances').count<{ c: string }[]>('id as c')).toEqual(before);
    expect((await (await mk('p2-padmin', ['process-admin'], ['testshire'])).post('/api/v1/counties/testshire/process-instances', body)).status).toBe(201);
    expect((await (await mk('p2-admin', ['admin'], ['testshire'])).post('/api/v1/counties/testshire/process-instances', body)).status).toBe(201);
    expect((await (await mk('p2-other', ['admin'], ['otherton'])).post('/api/v1/counties/testshire/process-instances', body)).status).toBe(404);
  });

  test('point 3: unclaim and comment only by those who may act; a repeated claim writes nothing', async () => {
    const inst = (await root.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'P3-1' })).body;
    const task = (await root.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
    const clerk = await mk('p3-clerk', ['staff', '处理中心'], ['testshire']);
    const otherUnit = await mk('p3-unit', ['staff', '责任单位'], ['testshire']);
    const auditor = await mk('p3-auditor', ['auditor'], ['testshire']);
    const journal = () => app.core.db.knex('journal').where({ instance_id: inst.id }).whereIn('type', ['task.claimed', 'task.unclaimed', 'task.commented']).select('type', 'actor');

    expect((await otherUnit.post(`/api/v1/tasks/${task.id}/unclaim`)).status).toBe(403);
    expect((await otherUnit.post(`/api/v1/tasks/${task.id}/comments`, { body: '不归我们' })).status).toBe(403);
    expect((await auditor.post(`/api/v1/tasks/${task.id}/comments`, { body: '看看' })).status).toBe(403);
    expect((await auditor.post(`/api/v1/tasks/${task.id}/claim`)).status).toBe(403);
    expect(await journal()).toEqual([]);

    for (let i = 0; i < 3; i++) {
      const r = await clerk.post(`/api/v1/tasks/${task.id}/claim`);
      expect(r.status).toBe(200);
      expect(r.body.assignee).toBe('p3-clerk');
    }
    expect(await journal()).toEqual([{ type: 'task.claimed', actor: 'p3-clerk' }]);
    expect((await clerk.post(`/api/v1/tasks/${task.id}/comments`, { body: '已联系' })).status).toBe(201);
    expect((await otherUnit.post(`/api/v1/tasks/${task.id}/unclaim`)).status).toBe(403);
    expect((await clerk.post(`/api/v1/tasks/${task.id}/unclaim`)).status).toBe(200);
    expect((await clerk.post(`/api/v1/tasks/${task.id}/unclaim`)).status).toBe(200); // nothing held: nothing written
    expect(await journal()).toEqual([
      { type: 'task.claimed', actor: 'p3-clerk' },
      { type: 'task.commented', actor: 'p3-clerk' },
      { type: 'task.unclaimed', actor: 'p3-clerk' },
    ]);
    expect((await auditor.get(`/api/v1/tasks/${task.id}/comments`)).status).toBe(200); // reading is not acting
  });

  test('point 4: tokens expire (TOKEN_TTL_DAYS), users are disabled and enabled, tokens rotated', async () => {
    const issued = await root.post('/api/v1/admin/users', { id: 'p4-clerk', roles: ['staff'], counties: ['testshire'] });
    expect(issued.body.tokenExpiresAt).toBe(new Date(wall.getTime() + 90 * 86_400_000).toISOString());
    const clerk = app.api.as(issued.body.token);
    expect((await clerk.get('/api/v1/tasks')).status).toBe(200);

    // Disabled: refused at once; enabled again: back.
    const local = await mk('p4-admin', ['admin'], ['testshire']);
    expect((await local.post('/api/v1/admin/users/p4-clerk/disable')).body).toMatchObject({ id: 'p4-clerk', disabled: true, disabledBy: 'p4-admin' });
    expect((await clerk.get('/api/v1/tasks')).body).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/disabled/) });
    expect((await local.post('/api/v1/admin/users/p4-clerk/enable')).body.disabled).toBe(false);
    expect((await clerk.get('/api/v1/tasks')).status).toBe(200);
    // Another county's administrator does not even see the user; nor may a county admin disable an installation admin.
    const other = await mk('p4-other', ['admin'], ['otherton']);
    expect((await other.post('/api/v1/admin/users/p4-clerk/disable')).status).toBe(404);
    expect((await local.post('/api/v1/admin/users/test-admin/disable')).status).toBe(404);
    expect((await local.get('/api/v1/admin/users')).body.items.map((u: { id: string }) => u.id)).toContain('p4-clerk');
    expect((await local.get('/api/v1/admin/users')).body.items.map((u: { id: string }) => u.id)).not.toContain('test-admin');

    // Rotated by an administrator: the old token stops working, the new one works.
    const rotated = await local.post('/api/v1/admin/users/p4-clerk/token');
    expect(rotated.status).toBe(200);
    expect((await clerk.get('/api/v1/tasks')).status).toBe(401);
    const clerk2 = app.api.as(rotated.body.token);
    expect((await clerk2.get('/api/v1/tasks')).status).toBe(200);
    // Rotated by the user: likewise.
    const own = await clerk2.post('/api/v1/me/token');
    expect((await clerk2.get('/api/v1/tasks')).status).toBe(401);
    const clerk3 = app.api.as(own.body.token);

    // Expiry: 90 days of wall time after it was issued a token is refused, naming when it expired.
    wall = new Date(wall.getTime() + 89 * 86_400_000);
    const late = app.api.as((await root.post('/api/v1/admin/users', { id: 'p4-late', roles: ['admin'], counties: ['*'] })).body.token);
    wall = new Date(wall.getTime() + 86_400_000 + 1000);
    const expired = await clerk3.get('/api/v1/tasks');
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired at/);
    expect((await root.get('/api/v1/tasks')).status).toBe(401); // every token of that day
    expect((await late.get('/api/v1/tasks')).status).toBe(200); // a token issued later still works
    const renewed = await late.post('/api/v1/admin/users/p4-clerk/token');
    expect((await app.api.as(renewed.body.token).get('/api/v1/tasks')).status).toBe(200);
  });
});
