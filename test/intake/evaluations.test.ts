import * as fs from 'node:fs';
import { createStore, startApp, TestApp, TestStore, ApiClient } from '../support/harness';
import { COUNTY, EVALUATOR, badRating, processesWith, rating, residentId, serviceCase, uscc, user } from '../support/intake';

describe('ratings over HTTP', () => {
  let store: TestStore;
  let app: TestApp;
  let gateway: ApiClient; // a hall device gateway (role intake)
  let reader: ApiClient; // callback staff allowed to see evaluators (pii-reader)

  beforeAll(async () => {
    store = await createStore();
    app = await startApp(store);
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    gateway = await user(app, 'gw-1', ['intake']);
    reader = await user(app, 'cb-1', ['staff', '处理中心', 'pii-reader']);
    const nos = Array.from({ length: 40 }, (_, i) => serviceCase(`EV-${i}`));
    const reg = await gateway.post(`/api/v1/counties/${COUNTY}/service-cases`, nos);
    expect(reg.status).toBe(207);
    expect(reg.body.stored).toBe(40);
  });
  afterAll(async () => {
    await app.close();
    await store.drop();
  });

  test('a good rating: 201 with the receipt, masked; the same again: the same answer; another body under the same senderId: 409', async () => {
    const body = rating('EV-0', { level: '满意', options: [], comment: '办事很快' });
    const first = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      county: COUNTY,
      caseNo: 'EV-0',
      level: 4,
      levelName: '满意',
      bad: false,
      channel: '4',
      isDefault: false,
      caseId: null,
      senderId: body.senderId,
      ratedAt: '2026-11-02T07:05:00.000Z',
      evaluator: { kind: 'person', name: '张**', phone: '139****5678', idNumber: `110105********${EVALUATOR.idNumber.slice(-4)}` },
    });
    const replay = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, body);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    const other = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, { ...body, level: 3 });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: 'idempotency_conflict', details: [{ field: 'senderId' }] });
    expect(other.body.message).toContain(first.body.id);
    // the same rating with the level spelled as a digit is the same rating
    expect((await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, { ...body, level: 4 })).body).toEqual(first.body);
    const stored = await app.core.db.knex('evaluations').where({ case_no: 'EV-0' });
    expect(stored).toHaveLength(1);
  });

  test('one rating per 办件: a second gets 409 naming the first', async () => {
    const first = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, rating('EV-1'));
    expect(first.status).toBe(201);
    const second = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, rating('EV-1', { level: 1, options: ['attitude-1'] }));
    expect(second.status).toBe(409);
    expect(second.body.error).toBe('already_rated');
    expect(second.body.message).toContain(first.body.id);
    expect(second.body.details[0]).toMatchObject({ field: 'caseNo', existingId: first.body.id, isDefault: false });
    expect(await app.core.db.knex('cases').where({ case_no: 'EV-1' })).toHaveLength(0);
  });

  test('bad input: 4xx with the field and the reason, nothing stored', async () => {
    const post = (b: unknown, county = COUNTY) => gateway.post(`/api/v1/counties/${county}/evaluations`, b);
    const fields = async (b: unknown) => {
      const r = await post(b);
      expect(r.status).toBe(400);
      return r.body.details.map((d: { field: string }) => d.field);
    };
    expect((await post(rating('EV-2'), 'nowhere')).status).toBe(404);
    const unknown = await post(rating('NO-SUCH'));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'unknown_service_case', details: [{ field: 'caseNo', reason: 'no such 办件 in this county' }] });
    expect(await fields(rating('EV-2', { level: 6 }))).toEqual(['level']);
    expect(await fields(rating('EV-2', { level: 0 }))).toEqual(['level']);
    expect(await fields(rating('EV-2', { level: '很好' }))).toEqual(['level']);
    expect(await fields(rating('EV-2', { level: 2, options: ['attitude-4'] }))).toEqual(['options[0]']);
    expect(await fields(rating('EV-2', { level: 2, options: ['other'] }))).toEqual(['otherText']);
    expect(await fields(rating('EV-2', { channel: '8' }))).toEqual(['channel']);
    const seven = await post(rating('EV-2', { channel: 7 }));
    expect(seven.body.details).toEqual([{ field: 'channel', reason: 'channel 7 (system default) is set by the system only' }]);
    expect(await fields(rating('EV-2', { evaluator: { ...EVALUATOR, phone: '12345678901' } }))).toEqual(['evaluator.phone']);
    expect(await fields(rating('EV-2', { evaluator: { ...EVALUATOR, phone: '1391234567' } }))).toEqual(['evaluator.phone']);
    const wrongCheck = EVALUATOR.idNumber.slice(0, 17) + (EVALUATOR.idNumber[17] === '1' ? '2' : '1');
    const badId = await post(rating('EV-2', { evaluator: { ...EVALUATOR, idNumber: wrongCheck } }));
    expect(badId.body.details).toEqual([{ field: 'evaluator.idNumber', reason: 'check digit is wrong (GB 11643)' }]);
    const entityOk = await post(rating('EV-3', { evaluator: { kind: 'legal-entity', name: '柳州某某有限公司', phone: '0772-2881234', idNumber: uscc('91450200MA5K00001') } }));
    expect(entityOk.status).toBe(201);
    expect(entityOk.body.evaluator).toMatchObject({ kind: 'legal-entity', phone: '0772-***1234' });
    const entityBad = await post(rating('EV-2', { evaluator: { kind: 'legal-entity', name: '某公司', idNumber: '91450200MA5K000010' } }));
    expect(entityBad.status).toBe(400);
    expect(entityBad.body.details[0].field).toBe('evaluator.idNumber');
    expect(await fields(rating('EV-2', { ratedAt: 'yesterday' }))).toEqual(['ratedAt']);
    expect(await fields(rating('EV-2', { ratedAt: '2027-01-01T00:00:00Z' }))).toEqual(['ratedAt']);
    expect(await fields({ ...rating('EV-2'), levle: 3 })).toEqual(['levle']);
    expect(await fields({ caseNo: 'EV-2', channel: '4' })).toEqual(['senderId', 'level']);
    const many = await post(rating('EV-2', { level: 9, channel: 'x', options: ['nope'] }));
    expect(many.body.details.map((d: { field: string }) => d.field)).toEqual(['level', 'channel', 'options[0]']);
    expect((await post('not json', COUNTY)).status).toBeGreaterThanOrEqual(400);
    expect(await app.core.db.knex('evaluations').where({ case_no: 'EV-2' })).toHaveLength(0);
    // who may send: a user of another county does not see this one, an auditor may not send
    const outsider = await user(app, 'gw-other', ['intake'], ['testshire']);
    expect((await outsider.post(`/api/v1/counties/${COUNTY}/evaluations`, rating('EV-2'))).status).toBe(404);
    const auditor = await user(app, 'aud-1', ['auditor']);
    expect((await auditor.post(`/api/v1/counties/${COUNTY}/evaluations`, rating('EV-2'))).status).toBe(403);
  });

  test('a batch: good rows stored, bad ones listed with field and reason, a bad rating becomes a case; 207 row by row', async () => {
    const rows = [
      rating('EV-10'),
      rating('EV-11', { level: 9 }),
      badRating('EV-12'),
      rating('NOPE-1'),
      rating('EV-13', { options: ['quality-9'] }),
      rating('EV-14', { level: '基本满意', channel: 'paper' }),
      rating('EV-10', { level: 1 }), // a second rating of EV-10 in the same batch
    ];
    const res = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, rows);
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ total: 7, stored: 3, duplicate: 0, refused: 4 });
    const items = res.body.items;
    expect(items.map((i: { status: string }) => i.status)).toEqual(['stored', 'refused', 'stored', 'refused', 'refused', 'stored', 'refused']);
    expect(items[1]).toMatchObject({ index: 1, error: 'validation_failed', errors: [{ field: 'level' }] });
    expect(items[2].caseId).toMatch(/^[0-9a-f-]{36}$/);
    expect(items[3]).toMatchObject({ error: 'unknown_service_case', errors: [{ field: 'caseNo' }] });
    expect(items[4].errors[0].field).toBe('options[0]');
    expect(items[6]).toMatchObject({ error: 'already_rated' });
    const again = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, rows);
    expect(again.body).toMatchObject({ stored: 0, duplicate: 3, refused: 4 });
    expect(again.body.items[2]).toMatchObject({ status: 'duplicate', id: items[2].id, caseId: items[2].caseId });
    expect(await app.core.db.knex('cases').where({ case_no: 'EV-12' })).toHaveLength(1);
  });

  test('a batch of 500 rows or more reports its progress in /health: runs of good ratings and each bad one, every row done', async () => {
    const reg = await gateway.post(`/api/v1/counties/${COUNTY}/service-cases`, Array.from({ length: 600 }, (_, i) => serviceCase(`PB-${i}`)));
    expect(reg.body.stored).toBe(600);
    const rows = Array.from({ length: 600 }, (_, i) => (i === 100 || i === 400 ? badRating(`PB-${i}`) : i === 599 ? rating(`PB-${i}`, { level: 0 }) : rating(`PB-${i}`)));
    const res = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, rows);
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ total: 600, stored: 599, refused: 1 });
    const jobs = (await app.api.get('/health')).body.jobs;
    expect(jobs.running).toEqual([]);
    expect(jobs.ended[0]).toMatchObject({ job: `rating import ${COUNTY}`, done: 600, total: 600 });
  });

  test('an oversized batch is refused as a whole with 413 and a message', async () => {
    const rows = Array.from({ length: 5001 }, (_, i) => rating(`EV-${i % 40}`));
    const res = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, rows);
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/at most 5000 rows/);
    expect((await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, [])).status).toBe(400);
  });

  test('retry storm: the same bad rating 20 times at once → one rating, one case, one instance', async () => {
    const body = badRating('EV-20', { options: ['attitude-2', 'other'], otherText: '窗口人员离岗' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((a) => a.body.id));
    const cases = new Set(answers.map((a) => a.body.caseId));
    expect(ids.size).toBe(1);
    expect(cases.size).toBe(1);
    const knex = app.core.db.knex;
    expect(await knex('evaluations').where({ case_no: 'EV-20' })).toHaveLength(1);
    const caseRows = await knex('cases').where({ case_no: 'EV-20' });
    expect(caseRows).toHaveLength(1);
    const instances = await knex('process_instances').where({ business_key: caseRows[0].id });
    expect(instances).toHaveLength(1);
    expect(instances[0].variables).toMatchObject({
      caseId: caseRows[0].id,
      kind: 'system-pushed',
      unitId: 'unit-a',
      unitName: '受理测试局',
      serviceName: '企业设立登记',
      serviceCode: '11450200MB0000000X-001',
      staffName: '王小明',
      level: 2,
      levelName: '不满意',
      options: ['attitude-2', 'other'],
      comment: '排队时间长，工作人员态度生硬；其他：窗口人员离岗',
      channel: '4',
      receivedAt: '2026-11-03T02:00:00.000Z',
      caseStatus: 'verifying',
    });
    for (const k of ['evaluator', 'name', 'phone', 'idNumber']) expect(instances[0].variables).not.toHaveProperty(k);
  });

  test('a bad rating in a county whose tenant.yaml names no diagram is refused naming the setting; good ratings are stored', async () => {
    await app.api.post('/api/v1/counties/testshire/service-cases', [serviceCase('TS-1'), serviceCase('TS-2')]);
    const good = await gateway.post('/api/v1/counties/testshire/evaluations', rating('TS-1'));
    expect(good.status).toBe(404); // gw-1 does not belong to testshire
    const admin = app.api;
    expect((await admin.post('/api/v1/counties/testshire/evaluations', rating('TS-1'))).status).toBe(201);
    const bad = await admin.post('/api/v1/counties/testshire/evaluations', badRating('TS-2'));
    expect(bad.status).toBe(409);
    expect(bad.body.error).toBe('county_not_configured');
    expect(bad.body.message).toContain('processes.systemPushed');
    expect(bad.body.details).toEqual([{ field: 'processes.systemPushed', reason: 'is not set in tenant.yaml' }]);
    expect(await app.core.db.knex('evaluations').where({ county_id: 'testshire', case_no: 'TS-2' })).toHaveLength(0);
  });

  test('personal data: masked everywhere, clear only for pii-reader with reveal=true, and every reveal audited', async () => {
    const r = await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, badRating('EV-30', { comment: `请回电 ${EVALUATOR.phone}，身份证 ${EVALUATOR.idNumber}` }));
    expect(r.status).toBe(201);
    expect(r.body.comment).toBe(`请回电 139****5678，身份证 110105********${EVALUATOR.idNumber.slice(-4)}`);
    const path = `/api/v1/counties/${COUNTY}/evaluations/${r.body.id}`;
    const masked = (await reader.get(path)).body;
    expect(masked.evaluator).toEqual({ kind: 'person', name: '张**', phone: '139****5678', idNumber: `110105********${EVALUATOR.idNumber.slice(-4)}` });
    expect((await app.api.get(`${path}?reveal=true`)).status).toBe(403); // an administrator is not a pii-reader
    expect((await gateway.get(`${path}?reveal=true`)).status).toBe(403);
    const clear = await reader.get(`${path}?reveal=true`);
    expect(clear.status).toBe(200);
    expect(clear.body.evaluator).toEqual(EVALUATOR);
    expect(clear.body.comment).toContain(EVALUATOR.phone);
    expect(clear.body.revealed).toEqual(['evaluator.name', 'evaluator.phone', 'evaluator.idNumber', 'comment']);
    const audit = await app.core.db.knex('pii_reveals').where({ evaluation_id: r.body.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user_id: 'cb-1', county_id: COUNTY, case_id: r.body.caseId, fields: ['evaluator.name', 'evaluator.phone', 'evaluator.idNumber', 'comment'] });
    const c = await reader.get(`/api/v1/counties/${COUNTY}/cases/${r.body.caseId}`);
    expect(c.body.history.filter((e: { type: string }) => e.type === 'pii.revealed')).toEqual([expect.objectContaining({ actor: 'cb-1', data: expect.objectContaining({ evaluationId: r.body.id }) })]);
    const auditor = await user(app, 'aud-2', ['auditor']);
    const list = await auditor.get(`/api/v1/counties/${COUNTY}/pii-reveals`);
    expect(list.body.items[0]).toMatchObject({ user: 'cb-1', evaluationId: r.body.id });
    expect((await gateway.get(`/api/v1/counties/${COUNTY}/pii-reveals`)).status).toBe(403);
    // at rest: neither the phone nor the ID number in clear
    const row = await app.core.db.knex('evaluations').where({ id: r.body.id }).first();
    expect(JSON.stringify(row)).not.toContain(EVALUATOR.phone);
    expect(JSON.stringify(row)).not.toContain(EVALUATOR.idNumber);
    expect(row.evaluator_enc).toMatch(/^v1:/);
  });

  test('lists and filters; the catalogue', async () => {
    const all = await reader.get(`/api/v1/counties/${COUNTY}/evaluations?limit=2`);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.total).toBeGreaterThan(2);
    const bad = await reader.get(`/api/v1/counties/${COUNTY}/evaluations?bad=true&limit=500`);
    expect(bad.body.items.every((e: { bad: boolean }) => e.bad)).toBe(true);
    expect((await reader.get(`/api/v1/counties/${COUNTY}/evaluations?caseNo=EV-0`)).body.items).toHaveLength(1);
    expect((await reader.get(`/api/v1/counties/${COUNTY}/evaluations?level=9`)).status).toBe(400);
    expect((await reader.get(`/api/v1/counties/${COUNTY}/evaluations?from=soon`)).body.details).toEqual([{ field: 'from', reason: 'is not a day or an instant' }]);
    const cat = (await reader.get('/api/v1/evaluations/catalogue')).body;
    expect(cat.options).toHaveLength(22);
    expect(cat.channels.map((c: { code: string }) => c.code)).toEqual(['1', '2', '3', '4', '5', '6', '7', '12345', 'paper']);
    expect(cat.levels[4]).toEqual({ value: 1, name: '非常不满意', bad: true });
  });

  test('a county that allows re-rating: the new rating supersedes the one in force', async () => {
    const dir = processesWith((y) => y.replace('allowReRating: false', 'allowReRating: true'));
    const store2 = await createStore();
    const app2 = await startApp(store2, { processesDir: dir });
    try {
      await app2.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
      await app2.api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('RR-1'));
      const first = await app2.api.post(`/api/v1/counties/${COUNTY}/evaluations`, rating('RR-1', { level: 4 }));
      const second = await app2.api.post(`/api/v1/counties/${COUNTY}/evaluations`, badRating('RR-1'));
      expect(second.status).toBe(201);
      expect(second.body.caseId).toBeTruthy();
      const old = await app2.api.get(`/api/v1/counties/${COUNTY}/evaluations/${first.body.id}`);
      expect(old.body).toMatchObject({ current: false, supersededBy: second.body.id });
      const sc = await app2.api.get(`/api/v1/counties/${COUNTY}/service-cases/RR-1`);
      expect(sc.body.rating).toMatchObject({ id: second.body.id, level: 2, caseId: second.body.caseId });
      expect((await app2.api.get(`/api/v1/counties/${COUNTY}/evaluations?caseNo=RR-1`)).body.items.map((e: { id: string }) => e.id)).toEqual([second.body.id]);
      expect((await app2.api.get(`/api/v1/counties/${COUNTY}/evaluations?caseNo=RR-1&current=false`)).body.items.map((e: { id: string }) => e.id)).toEqual([first.body.id]);
    } finally {
      await app2.close();
      await store2.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failure between the rating and the start of its diagram leaves nothing; the retry stores one of each', async () => {
    let failures = 1;
    const store3 = await createStore();
    const app3 = await startApp(store3, {}, {
      services: [
        {
          name: 'setStatus',
          description: 'test: the first call dies like a server would, after the rating and the case row were written in the transaction',
          run: (call) => {
            if (failures-- > 0) throw new Error('simulated crash inside the start');
            return { caseStatus: call.properties.status };
          },
        },
      ],
    });
    try {
      await app3.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
      await app3.api.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('CR-1'));
      const body = badRating('CR-1');
      const first = await app3.api.post(`/api/v1/counties/${COUNTY}/evaluations`, body);
      expect(first.status).toBe(500);
      expect(first.body).toEqual({ error: 'internal', message: expect.any(String) });
      const knex = app3.core.db.knex;
      for (const t of ['evaluations', 'cases', 'process_instances', 'journal', 'tasks']) expect(await knex(t).select('*')).toHaveLength(0);
      const retry = await app3.api.post(`/api/v1/counties/${COUNTY}/evaluations`, body);
      expect(retry.status).toBe(201);
      expect(await knex('evaluations')).toHaveLength(1);
      expect(await knex('cases')).toHaveLength(1);
      expect(await knex('process_instances').where({ business_key: retry.body.caseId })).toHaveLength(1);
    } finally {
      await app3.close();
      await store3.drop();
    }
  });

  test('resident ID helper produces the documented mask shape', () => {
    expect(residentId('11010519491231002')).toBe('11010519491231002X');
  });
});
