import { createStore, startApp, TestApp, TestStore, ApiClient } from '../support/harness';
import { COUNTY, EVALUATOR, badRating, rating, serviceCase, user } from '../support/intake';

describe('bad-review cases over HTTP', () => {
  let store: TestStore;
  let app: TestApp;
  let gateway: ApiClient;
  let centre: ApiClient; // 处理中心 clerk
  let unit: ApiClient; // 责任单位
  let supervision: ApiClient; // 督查科

  const base = `/api/v1/counties/${COUNTY}`;

  beforeAll(async () => {
    store = await createStore();
    app = await startApp(store);
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' }); // a Tuesday
    gateway = await user(app, 'gw-c', ['intake']);
    centre = await user(app, 'clerk-c', ['staff', '处理中心']);
    unit = await user(app, 'unit-c', ['staff', '责任单位']);
    supervision = await user(app, 'sup-c', ['staff', '督查科']);
    const rows = [
      ...Array.from({ length: 6 }, (_, i) => serviceCase(`C-${i}`)),
      serviceCase('C-B1', { unitId: 'unit-b', staffName: '李四' }),
      serviceCase('C-U'),
      ...Array.from({ length: 4 }, (_, i) => serviceCase(`G-${i}`)),
    ];
    expect((await gateway.post(`${base}/service-cases`, rows)).body.stored).toBe(12);
  });
  afterAll(async () => {
    await app.close();
    await store.drop();
  });

  async function openTask(caseId: string) {
    const c = (await centre.get(`${base}/cases/${caseId}`)).body;
    return c.openTasks[0];
  }

  test('a bad rating becomes a case: rating and options, kind, status, unit, open task with its deadline, no outcome yet, history', async () => {
    const r = await gateway.post(`${base}/evaluations`, badRating('C-0', { level: '非常不满意', options: ['attitude-3', 'environment-2'] }));
    expect(r.status).toBe(201);
    const res = await centre.get(`${base}/cases/${r.body.caseId}`);
    expect(res.status).toBe(200);
    const c = res.body;
    expect(c).toMatchObject({
      id: r.body.caseId,
      county: COUNTY,
      kind: 'system-pushed',
      status: 'verifying',
      outcome: null,
      revoked: false,
      unit: { id: 'unit-a', name: '受理测试局' },
      caseNo: 'C-0',
      serviceName: '企业设立登记',
      staffName: '王小明',
      level: 1,
      levelName: '非常不满意',
      receivedAt: '2026-11-03T02:00:00.000Z',
      rating: {
        evaluationId: r.body.id,
        level: 1,
        channel: '4',
        channelName: '政务大厅评价器',
        options: [
          { code: 'attitude-3', category: 'attitude', label: '工作人员服务态度生硬' },
          { code: 'environment-2', category: 'environment', label: '服务标识不清晰' },
        ],
        evaluator: { kind: 'person', name: '张**', phone: '139****5678' },
      },
      complaint: null,
      instance: { processKey: 'intakeSystemPushed', status: 'running' },
    });
    // Tuesday + 2 working days = Thursday 24:00 Asia/Shanghai
    expect(c.openTasks).toEqual([expect.objectContaining({ elementId: 'verify', name: '回访核实', candidateGroups: ['处理中心'], dueAt: '2026-11-05T16:00:00.000Z', overdue: false })]);
    expect(c.nextDueAt).toBe('2026-11-05T16:00:00.000Z');
    const types = c.history.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('instance.started');
    expect(types).toContain('activity.wait');
    expect(JSON.stringify(c)).not.toContain(EVALUATOR.phone);
  });

  test('genuine: verifying → rectifying → archived; outcome genuine; the evaluator is told through the token "evaluator"', async () => {
    const r = await gateway.post(`${base}/evaluations`, badRating('C-1'));
    const caseId = r.body.caseId;
    const verify = await openTask(caseId);
    expect((await centre.post(`/api/v1/tasks/${verify.id}/complete`, { variables: { genuine: true, reason: '属实' } })).status).toBe(200);
    let c = (await centre.get(`${base}/cases/${caseId}`)).body;
    expect(c).toMatchObject({ status: 'rectifying', outcome: 'genuine' });
    expect(c.openTasks.map((t: { elementId: string }) => t.elementId)).toEqual(['rectify']);
    expect((await unit.post(`/api/v1/tasks/${c.openTasks[0].id}/complete`, { variables: { measures: '约谈窗口人员，增设引导岗' } })).status).toBe(200);
    c = (await centre.get(`${base}/cases/${caseId}`)).body;
    expect(c).toMatchObject({ status: 'archived', outcome: 'genuine', openTasks: [], instance: { status: 'completed' } });
    const row = await app.core.db.knex('cases').where({ id: caseId }).first();
    expect(row).toMatchObject({ status: 'archived', outcome: 'genuine' });
    const outbox = await app.core.db.knex('outbox').where({ instance_id: c.instanceId });
    expect(outbox).toHaveLength(1);
    expect(outbox[0].recipients).toEqual(['evaluator']);
    expect(outbox[0].body).toContain('企业设立登记');
    expect(outbox[0].body).not.toContain(EVALUATOR.phone);
  });

  test('the callback corrects the responsible unit: the case shows the unit the process now has', async () => {
    const caseId = (await gateway.post(`${base}/evaluations`, badRating('C-U'))).body.caseId;
    expect((await centre.get(`${base}/cases/${caseId}`)).body.unit).toMatchObject({ id: 'unit-a' });
    const verify = await openTask(caseId);
    expect((await centre.post(`/api/v1/tasks/${verify.id}/complete`, { variables: { genuine: true, unitId: 'unit-b', unitName: '受理测试中心' } })).status).toBe(200);
    const c = (await centre.get(`${base}/cases/${caseId}`)).body;
    expect(c).toMatchObject({ status: 'rectifying', unit: { id: 'unit-b', name: '受理测试中心' } });
  });

  test('appeal upheld: revoked, history kept, not counted as a bad review; appeal rejected: back to rectification', async () => {
    const before = (await centre.get(`${base}/stats`)).body;
    const up = (await gateway.post(`${base}/evaluations`, badRating('C-2'))).body.caseId;
    const down = (await gateway.post(`${base}/evaluations`, badRating('C-3', { level: 1 }))).body.caseId;
    for (const id of [up, down]) {
      const t = await openTask(id);
      expect((await centre.post(`/api/v1/tasks/${t.id}/complete`, { variables: { genuine: false, untrueKind: 'malicious' } })).status).toBe(200);
      expect((await centre.get(`${base}/cases/${id}`)).body).toMatchObject({ status: 'appealing', outcome: 'malicious' });
    }
    const a1 = await openTask(up);
    expect(a1.candidateGroups).toEqual(['督查科']);
    expect((await supervision.post(`/api/v1/tasks/${a1.id}/complete`, { variables: { appealUpheld: true } })).status).toBe(200);
    const revoked = (await centre.get(`${base}/cases/${up}`)).body;
    expect(revoked).toMatchObject({ status: 'revoked', revoked: true, outcome: 'malicious', openTasks: [] });
    expect(revoked.revokedAt).toBe('2026-11-03T02:00:00.000Z');
    expect(revoked.history.length).toBeGreaterThan(5);
    const a2 = await openTask(down);
    expect((await supervision.post(`/api/v1/tasks/${a2.id}/complete`, { variables: { appealUpheld: false } })).status).toBe(200);
    expect((await centre.get(`${base}/cases/${down}`)).body).toMatchObject({ status: 'rectifying', outcome: 'genuine', openTasks: [expect.objectContaining({ elementId: 'rectify' })] });

    const after = (await centre.get(`${base}/stats`)).body;
    expect(after.badReviews.total - before.badReviews.total).toBe(2);
    expect(after.badReviews.revoked - before.badReviews.revoked).toBe(1);
    expect(after.badReviews.counted - before.badReviews.counted).toBe(1);
    expect(after.cases.byStatus.revoked - before.cases.byStatus.revoked).toBe(1);
    // the revoked rating stays a rating (and in the list of bad ratings); only the count of bad reviews leaves it out
    expect((await centre.get(`${base}/evaluations?caseNo=C-2`)).body.items[0]).toMatchObject({ level: 2, caseId: up });
  });

  test('stats: ratings by level, good and bad rates, active versus default', async () => {
    for (const [i, level] of [5, 4, 3, 5].entries()) expect((await gateway.post(`${base}/evaluations`, rating(`G-${i}`, { level }))).status).toBe(201);
    const s = (await centre.get(`${base}/stats?from=2026-11-01&to=2026-11-30`)).body;
    expect(s.from).toBe('2026-10-31T16:00:00.000Z');
    expect(s.to).toBe('2026-11-30T16:00:00.000Z');
    expect(s.ratings.byLevel['5']).toBeGreaterThanOrEqual(2);
    expect(s.ratings.total).toBe(s.ratings.active + s.ratings.default);
    expect(s.ratings.good).toBe(s.ratings.byLevel['5'] + s.ratings.byLevel['4'] + s.ratings.byLevel['3']);
    expect(s.badReviews.total).toBe(s.ratings.byLevel['2'] + s.ratings.byLevel['1']);
    expect(s.badReviews.badRate).toBeCloseTo(s.badReviews.counted / s.ratings.total, 4);
    const none = (await centre.get(`${base}/stats?from=2025-01-01&to=2025-01-31`)).body;
    expect(none.ratings).toMatchObject({ total: 0, goodRate: null });
  });

  test('case list: filters status, unit, kind, overdue, received between; paging', async () => {
    const onB = (await gateway.post(`${base}/evaluations`, badRating('C-B1'))).body.caseId;
    const list = async (q: string) => (await centre.get(`${base}/cases?${q}`)).body;
    const all = await list('limit=100');
    expect(all.total).toBeGreaterThanOrEqual(5);
    expect(all.items.find((c: { id: string }) => c.id === onB)).toMatchObject({ id: onB, unit: { id: 'unit-b' }, staffName: '李四', status: 'verifying' });
    const onUnitB = (await list('unit=unit-b')).items;
    expect(onUnitB.map((c: { id: string }) => c.id)).toContain(onB); // with the case whose unit the callback corrected
    expect(onUnitB.every((c: { unit: { id: string } }) => c.unit.id === 'unit-b')).toBe(true);
    expect((await list('status=revoked')).items.every((c: { status: string }) => c.status === 'revoked')).toBe(true);
    expect((await list('status=archived')).total).toBe(1);
    expect((await list('kind=on-site')).total).toBe(0);
    expect((await list('kind=system-pushed')).total).toBe(all.total);
    expect((await list('receivedFrom=2026-11-04')).total).toBe(0);
    expect((await list('receivedTo=2026-11-03')).total).toBe(all.total);
    expect((await list('limit=2&offset=1')).items).toHaveLength(2);
    expect((await centre.get(`${base}/cases?status=lost`)).body).toMatchObject({ error: 'validation_failed', details: [{ field: 'status' }] });
    expect((await centre.get(`${base}/cases?kind=x`)).status).toBe(400);
    expect((await centre.get(`${base}/cases?overdue=maybe`)).status).toBe(400);
    expect((await list('overdue=true')).total).toBe(0);
    // three working days later every open verification is overdue
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-06T09:00:00+08:00' });
    const late = await list('overdue=true&limit=100');
    expect(late.items.map((c: { id: string }) => c.id)).toContain(onB);
    expect(late.items.every((c: { overdue: boolean }) => c.overdue)).toBe(true);
    expect((await list('overdue=false&limit=100')).items.every((c: { overdue: boolean }) => !c.overdue)).toBe(true);
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
  });

  test('on-site complaint: registered, on-site diagram started, masked complainant; idempotent on senderId; bad input named', async () => {
    const body = {
      senderId: 'desk-1-0001',
      complainant: { name: '赵六', phone: '+86 137 0000 1234', idNumber: EVALUATOR.idNumber },
      description: '窗口人员推诿，让我跑了三趟',
      caseNo: 'C-4',
      options: ['attitude-2', 'quality-5'],
      occurredAt: '2026-11-03 09:30',
    };
    const statsBefore = (await centre.get(`${base}/stats`)).body;
    const r = await centre.post(`${base}/complaints`, body);
    expect(r.status).toBe(201);
    // A complaint is a case, not a rating: left out of the bad-review figures, counted beside them.
    const statsAfter = (await centre.get(`${base}/stats`)).body;
    expect(statsAfter.badReviews.total).toBe(statsBefore.badReviews.total);
    expect(statsAfter.badReviews.onSiteComplaints - statsBefore.badReviews.onSiteComplaints).toBe(1);
    expect(statsAfter.badReviews.note).toContain('on-site complaints');
    expect(statsAfter.cases.byKind['on-site'] - statsBefore.cases.byKind['on-site']).toBe(1);
    expect(r.body).toMatchObject({ kind: 'on-site', caseNo: 'C-4', unit: { id: 'unit-a', name: '受理测试局' }, staffName: '王小明', processKey: 'intakeOnSite', complainant: { name: '赵*', phone: '137****1234' } });
    const again = await centre.post(`${base}/complaints`, body);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(r.body);
    const other = await centre.post(`${base}/complaints`, { ...body, description: '另一件事' });
    expect(other.status).toBe(409);
    expect(other.body.error).toBe('idempotency_conflict');
    const c = (await centre.get(`${base}/cases/${r.body.id}`)).body;
    expect(c).toMatchObject({ kind: 'on-site', status: 'verifying', channel: 'on-site', complaint: { description: '窗口人员推诿，让我跑了三趟', occurredAt: '2026-11-03T01:30:00.000Z', complainant: { phone: '137****1234' } } });
    expect(c.openTasks[0]).toMatchObject({ elementId: 'register' });
    const vars = (await app.api.get(`/api/v1/process-instances/${c.instanceId}`)).body.variables;
    expect(vars).toMatchObject({ kind: 'on-site', caseId: r.body.id, channel: 'on-site', level: null, options: ['attitude-2', 'quality-5'], comment: '窗口人员推诿，让我跑了三趟' });
    expect(JSON.stringify(vars)).not.toContain('1234');
    expect((await centre.get(`${base}/cases?kind=on-site`)).body.total).toBe(1);

    const bad = await centre.post(`${base}/complaints`, { complainant: { name: '', phone: '123' }, unitId: 'unit-z', options: ['nope'] });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['complainant.name', 'complainant.phone', 'description', 'options[0]']);
    const unknownUnit = await centre.post(`${base}/complaints`, { complainant: { name: '钱七', phone: '13700001111' }, description: 'x', unitId: 'unit-z' });
    expect(unknownUnit.body.details[0].field).toBe('unitId');
    const unknownCase = await centre.post(`${base}/complaints`, { complainant: { name: '钱七', phone: '13700001111' }, description: 'x', caseNo: 'NO-SUCH' });
    expect(unknownCase.body.details).toEqual([{ field: 'caseNo', reason: 'no such 办件 in this county' }]);
    const noUnit = await centre.post(`${base}/complaints`, { complainant: { name: '钱七', phone: '13700001111' }, description: 'x' });
    expect(noUnit.body.details).toEqual([{ field: 'unitId', reason: 'is required unless caseNo names a registered 办件' }]);
    const testshire = await app.api.post('/api/v1/counties/testshire/complaints', { complainant: { name: '钱七', phone: '13700001111' }, description: 'x', unitId: 'unit-a' });
    expect(testshire.status).toBe(409);
    expect(testshire.body.message).toContain('processes.onSite');
  });

  test('reveal of a case: evaluator or complainant in clear for pii-reader only, audited and in the history', async () => {
    const reader = await user(app, 'cb-c', ['staff', '处理中心', 'pii-reader']);
    const caseId = (await gateway.post(`${base}/evaluations`, badRating('C-5'))).body.caseId;
    expect((await centre.get(`${base}/cases/${caseId}?reveal=true`)).status).toBe(403);
    const clear = (await reader.get(`${base}/cases/${caseId}?reveal=true`)).body;
    expect(clear.rating.evaluator).toEqual(EVALUATOR);
    expect(clear.revealed).toEqual(['evaluator.name', 'evaluator.phone', 'evaluator.idNumber']);
    const hist = (await reader.get(`${base}/cases/${caseId}`)).body.history;
    expect(hist.filter((e: { type: string }) => e.type === 'pii.revealed')).toHaveLength(1);
    expect(await app.core.db.knex('pii_reveals').where({ case_id: caseId })).toHaveLength(1);
  });

  test('unknown case 404; another county cannot see it', async () => {
    expect((await centre.get(`${base}/cases/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
    expect((await centre.get(`${base}/cases/nope`)).status).toBe(404);
    const outsider = await user(app, 'clerk-o2', ['staff', '处理中心'], ['otherton']);
    const any = (await centre.get(`${base}/cases?limit=1`)).body.items[0];
    expect((await outsider.get(`${base}/cases/${any.id}`)).status).toBe(404);
    expect((await outsider.get(`${base}/cases`)).status).toBe(404);
    expect((await outsider.get(`${base}/stats`)).status).toBe(404);
  });
});
