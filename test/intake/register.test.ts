import { ADMIN_TOKEN, createStore, startApp, TestApp, TestStore, ApiClient } from '../support/harness';
import { COUNTY, rating, serviceCase, user } from '../support/intake';

describe('the 办件 register over HTTP', () => {
  let store: TestStore;
  let app: TestApp;
  let gateway: ApiClient;
  const base = `/api/v1/counties/${COUNTY}/service-cases`;

  beforeAll(async () => {
    store = await createStore();
    app = await startApp(store);
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    gateway = await user(app, 'gw-r', ['intake']);
  });
  afterAll(async () => {
    await app.close();
    await store.drop();
  });

  test('one 办件: 201; the same again: 200 duplicate; completedAt filled in later: 200 updated; a changed value: 409 naming it', async () => {
    const first = await gateway.post(base, serviceCase('R-1', { completedAt: undefined }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      result: 'stored',
      caseNo: 'R-1',
      unit: { id: 'unit-a', name: '受理测试局' },
      window: '3号窗口',
      staff: { id: 'S-007', name: '王小明' },
      mode: 'on-site',
      acceptedAt: '2026-11-02T01:00:00.000Z',
      completedAt: null,
      ratingWindowEndsAt: null,
      rating: null,
    });
    const dup = await gateway.post(base, serviceCase('R-1', { completedAt: undefined }));
    expect(dup.status).toBe(200);
    expect(dup.body).toMatchObject({ result: 'duplicate', id: first.body.id });
    const completed = await gateway.post(base, serviceCase('R-1'));
    expect(completed.status).toBe(200);
    // completed Monday 2 Nov 15:00 → days 3…9 Nov → the default lands at 10 Nov 00:00 Asia/Shanghai
    expect(completed.body).toMatchObject({ result: 'updated', completedAt: '2026-11-02T07:00:00.000Z', ratingWindowEndsAt: '2026-11-09T16:00:00.000Z' });
    const changed = await gateway.post(base, serviceCase('R-1', { serviceName: '另一个事项', staffName: '李四' }));
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ error: 'service_case_conflict', details: [{ field: 'serviceName' }, { field: 'staffName' }] });
    const got = await gateway.get(`${base}/R-1`);
    expect(got.body).toMatchObject({ serviceName: '企业设立登记', staff: { name: '王小明' } });
    expect((await gateway.get(`${base}/NOPE`)).status).toBe(404);
  });

  test('bad rows: 400 naming every field', async () => {
    const r = await gateway.post(base, { caseNo: 'R 2', unitId: 'unit-z', mode: 'walk-in', acceptedAt: '2026-11-02', completedAt: '2026-11-01T10:00:00+08:00', colour: 'red' });
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual([
      { field: 'colour', reason: 'is not a field of a 办件' },
      { field: 'caseNo', reason: 'must not contain spaces' },
      { field: 'serviceCode', reason: 'is required' },
      { field: 'serviceName', reason: 'is required' },
      { field: 'unitId', reason: 'is not a unit of this county (tenant.yaml units: unit-a, unit-b)' },
      { field: 'mode', reason: 'must be online or on-site' },
      { field: 'acceptedAt', reason: expect.stringContaining('ISO 8601') },
    ]);
    const order = await gateway.post(base, serviceCase('R-2', { completedAt: '2026-11-01T10:00:00+08:00' }));
    expect(order.body.details).toEqual([{ field: 'completedAt', reason: 'is before acceptedAt' }]);
    const future = await gateway.post(base, serviceCase('R-2', { completedAt: '2026-11-04T10:00:00+08:00' }));
    expect(future.body.details).toEqual([{ field: 'completedAt', reason: 'is in the future' }]);
    expect((await gateway.post('/api/v1/counties/nowhere/service-cases', serviceCase('R-2'))).status).toBe(404);
    const auditor = await user(app, 'aud-r', ['auditor']);
    expect((await auditor.post(base, serviceCase('R-2'))).status).toBe(403);
    expect(await app.core.db.knex('service_cases').where({ case_no: 'R-2' })).toHaveLength(0);
  });

  test('a batch answers row by row (207): stored, duplicate, updated, refused with field and reason', async () => {
    await gateway.post(base, serviceCase('B-0'));
    await gateway.post(base, serviceCase('B-1', { completedAt: null }));
    const res = await gateway.post(base, [
      serviceCase('B-0'), // duplicate
      serviceCase('B-1'), // completedAt filled in
      serviceCase('B-2'),
      serviceCase('B-3', { mode: '线上', unitId: 'unit-b', window: undefined, staffId: undefined, staffName: undefined }),
      serviceCase('B-4', { acceptedAt: 'soon' }),
      serviceCase('B-0', { unitId: 'unit-b' }), // conflicts with the registered one
      serviceCase('B-2'), // the same row twice in one batch
      'not an object',
    ]);
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ total: 8, stored: 2, updated: 1, duplicate: 2, refused: 3 });
    expect(res.body.items.map((i: { status: string }) => i.status)).toEqual(['duplicate', 'updated', 'stored', 'stored', 'refused', 'refused', 'duplicate', 'refused']);
    expect(res.body.items[4]).toMatchObject({ index: 4, caseNo: 'B-4', error: 'validation_failed', errors: [{ field: 'acceptedAt' }] });
    expect(res.body.items[5]).toMatchObject({ index: 5, caseNo: 'B-0', error: 'service_case_conflict', errors: [{ field: 'unitId', reason: 'differs from the registered value' }, { field: 'unitName', reason: 'differs from the registered value' }] });
    expect(res.body.items[7].errors).toEqual([{ field: '(row)', reason: 'must be a JSON object' }]);
    const b3 = (await gateway.get(`${base}/B-3`)).body;
    expect(b3).toMatchObject({ mode: 'online', unit: { id: 'unit-b', name: '受理测试中心' }, window: null, staff: null });
  });

  test('CSV with Chinese headings and local times (Asia/Shanghai), quoted cells; row answers carry the line', async () => {
    const csv = [
      '\ufeff办件编号,事项编码,事项名称,部门编码,窗口,被评价人,办理方式,受理时间,办结时间',
      'CSV-1,450200-001,"食品经营许可证核发（新办）",unit-a,5号窗口,"陈,小红",现场,2026-11-02 09:10:00,2026-11-02 11:00:00',
      'CSV-2,450200-002,个体工商户设立登记,unit-b,,,网办,2026-11-02T10:00:00+08:00,',
      'CSV-3,450200-003,某事项,unit-q,,,现场,2026-11-02 09:00,',
      '',
    ].join('\r\n');
    const res = await app.api.post(base, csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ total: 3, stored: 2, refused: 1 });
    expect(res.body.items[2]).toMatchObject({ index: 2, line: 4, status: 'refused', errors: [{ field: 'unitId' }] });
    const one = (await gateway.get(`${base}/CSV-1`)).body;
    expect(one).toMatchObject({ serviceName: '食品经营许可证核发（新办）', staff: { name: '陈,小红' }, acceptedAt: '2026-11-02T01:10:00.000Z', completedAt: '2026-11-02T03:00:00.000Z' });
    const broken = await app.api.post(base, 'caseNo,serviceCode\n"CSV-9,x', { 'content-type': 'text/csv' });
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/unclosed quote/);
    const empty = await app.api.post(base, '', { 'content-type': 'text/csv' });
    expect(empty.status).toBe(400);
  });

  test('the CSV headings the README lists are the ones accepted', async () => {
    const readme = require('node:fs').readFileSync(require('node:path').join(__dirname, '../../README.md'), 'utf8') as string;
    const listed = /\(English or Chinese headings: ([^);]+)/.exec(readme)![1].trim().split(/,\s*/);
    expect(listed).toContain('部门编码');
    const values: Record<string, string> = { 办件编号: 'CSV-R1', 事项编码: '450200-009', 事项名称: '某事项', 部门编码: 'unit-a', 窗口: '1号窗口', 被评价人: '王某', 办理方式: '现场', 受理时间: '2026-11-02 09:00', 办结时间: '2026-11-02 10:00' };
    const csv = [listed.join(','), listed.map((h) => values[h]).join(','), ''].join('\r\n');
    const res = await app.api.post(base, csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(207); // a CSV is a batch
    expect(res.body).toMatchObject({ total: 1, stored: 1, refused: 0 });
  });

  test('oversized batch: 413 with a message', async () => {
    const rows = Array.from({ length: 5001 }, (_, i) => serviceCase(`BIG-${i}`));
    const res = await gateway.post(base, rows);
    expect(res.status).toBe(413);
    expect(res.body.message).toBe('A batch holds at most 5000 rows; this one has 5001. Split it into several requests.');
    expect(await app.core.db.knex('service_cases').where('case_no', 'like', 'BIG-%')).toHaveLength(0);
  });

  test('a batch of 5000 is stored in one go; the list filters by rated', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => serviceCase(`MAX-${i}`));
    const res = await gateway.post(base, rows);
    expect(res.status).toBe(207);
    expect(res.body.stored).toBe(5000);
    await gateway.post(`/api/v1/counties/${COUNTY}/evaluations`, rating('MAX-7'));
    const rated = (await gateway.get(`${base}?rated=true&limit=500`)).body;
    expect(rated.items.map((s: { caseNo: string }) => s.caseNo)).toContain('MAX-7');
    expect(rated.items.every((s: { rating: unknown }) => s.rating)).toBe(true);
    const unrated = (await gateway.get(`${base}?rated=false&unit=unit-a&limit=5`)).body;
    expect(unrated.items).toHaveLength(5);
    expect(unrated.total).toBeGreaterThan(5000);
    expect((await gateway.get(`${base}?completedFrom=2026-11-03`)).body.total).toBe(0);
    expect((await app.api.as(ADMIN_TOKEN).get(`${base}/MAX-7`)).body.rating).toMatchObject({ level: 5, isDefault: false });
  });

  test('a large batch reports its progress in /health: every row done, whatever became of it; a small one reports nothing', async () => {
    const jobs = async () => (await app.api.get('/health')).body.jobs as { running: unknown[]; ended: Array<{ job: string; done: number; total: number }> };
    const ended = (await jobs()).ended;
    expect(ended[0]).toMatchObject({ job: `办件 import ${COUNTY}`, done: 5000, total: 5000 }); // the batch of 5000 above
    // 600 rows: 300 met registered 办件 (duplicates, one each way it can go), 200 new, 100 refused before storing.
    const rows = [
      ...Array.from({ length: 298 }, (_, i) => serviceCase(`MAX-${i}`)),
      serviceCase('MAX-4000', { staffName: '另一个人' }), // a changed value: refused
      serviceCase('MAX-4001'),
      ...Array.from({ length: 200 }, (_, i) => serviceCase(`PROG-${i}`)),
      ...Array.from({ length: 100 }, (_, i) => serviceCase(`PROG-BAD-${i}`, { unitId: 'unit-nowhere' })),
    ];
    const res = await gateway.post(base, rows);
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ total: 600, stored: 200, duplicate: 299, refused: 101 });
    const after = await jobs();
    expect(after.running).toEqual([]);
    expect(after.ended[0]).toMatchObject({ job: `办件 import ${COUNTY}`, done: 600, total: 600 });
    expect(after.ended[1]).toMatchObject({ done: 5000 });
    // A CSV is named so; a batch under 500 rows is not a job.
    const csv = ['caseNo,serviceCode,serviceName,unitId,mode,acceptedAt', ...Array.from({ length: 499 }, (_, i) => `CSVP-${i},450200-001,某事项,unit-a,现场,2026-11-02 09:00`), ''].join('\n');
    expect((await app.api.post(base, csv, { 'content-type': 'text/csv' })).body.stored).toBe(499);
    expect((await jobs()).ended[0]).toMatchObject({ done: 600, total: 600 });
    const csv500 = csv.replace('\n', '\nCSVP-499,450200-001,某事项,unit-a,现场,2026-11-02 09:00\n');
    expect((await app.api.post(base, csv500, { 'content-type': 'text/csv' })).body).toMatchObject({ total: 500, stored: 1, duplicate: 499 });
    expect((await jobs()).ended[0]).toMatchObject({ job: `办件 import ${COUNTY} (CSV)`, done: 500, total: 500 });
  });
});
