/**
 * 融安 第十条 over HTTP: three genuine cases of different 附件1 categories, archived, give the
 * deductions of tenant.yaml (attitude → the window's responsible person, environment → the window,
 * quality + efficiency → the person, both categories; a late rectification costs more); units and staff
 * ranked with the lowest listed for supervision.
 */
import type { ApiClient } from '../support/harness';
import { EVALUATOR, complete, countyApp, setClock } from '../scenarios/support';

const app = countyApp();

async function rated(api: ApiClient, caseNo: string, unitId: string, staffName: string, level: string, options: string[], at: string): Promise<string | null> {
  const sc = await api.post('/api/v1/counties/rongan/service-cases', { caseNo, serviceCode: 'RA-1', serviceName: '个体工商户登记', unitId, window: '2号窗口', staffName, mode: 'on-site', acceptedAt: at, completedAt: at });
  if (sc.status !== 201) throw new Error(JSON.stringify(sc.body));
  const r = await api.post('/api/v1/counties/rongan/evaluations', { senderId: `device:${caseNo}`, caseNo, level, channel: '4', ...(options.length ? { options, comment: '不满意' } : {}), evaluator: EVALUATOR, ratedAt: at });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.caseId ?? null;
}

async function toArchive(api: ApiClient, caseId: string, beforeRectify?: () => Promise<void>) {
  await complete(api, caseId, 'fillHandoverForm', { complaintContent: '差评', registeredBy: '县政管办' });
  await complete(api, caseId, 'callbackVerify', { genuine: true, reason: '属实', realDemand: '整改' });
  if (beforeRectify) await beforeRectify();
  await complete(api, caseId, 'windowRectify', { meetingHeld: true, responsiblePerson: '覃某', investigation: '属实', measures: '整改', rectified: true, headReviewed: true });
  await complete(api, caseId, 'secondCallback', { satisfied: true });
  await complete(api, caseId, 'verifyRectification', { staffReception: '接待', investigation: '属实', measures: '整改' });
  await complete(api, caseId, 'leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
  await complete(api, caseId, 'sendReport', { documentNo: '融政监〔2026〕40号' });
  await complete(api, caseId, 'fileCase', { deductionPoints: 2, rectificationAssessment: '按期整改' });
}

test('three 融安 cases of different categories → 第十条 deductions per window and person; rankings with the lowest listed', async () => {
  const api = app().api;
  await setClock(api, '2026-10-12T09:00:00+08:00');
  const attitude = (await rated(api, 'RA-P-1', 'ra-scjg', '黄窗口', '不满意', ['attitude-3'], '2026-10-12T08:30:00+08:00'))!;
  const environment = (await rated(api, 'RA-P-2', 'ra-scjg', '蓝窗口', '非常不满意', ['environment-2'], '2026-10-12T08:35:00+08:00'))!;
  const mixed = (await rated(api, 'RA-P-3', 'ra-bdc', '黄窗口', '不满意', ['quality-2', 'efficiency-5', 'efficiency-3'], '2026-10-12T08:40:00+08:00'))!;
  await rated(api, 'RA-P-4', 'ra-scjg', '蓝窗口', '非常满意', [], '2026-10-12T08:45:00+08:00');
  await rated(api, 'RA-P-5', 'ra-bdc', '韦窗口', '满意', [], '2026-10-12T08:50:00+08:00');
  await toArchive(api, attitude);
  await toArchive(api, environment);
  // The third is rectified a week late (2 working days were given).
  await toArchive(api, mixed, async () => setClock(api, '2026-10-20T10:00:00+08:00'));

  const r = await api.get('/api/v1/counties/rongan/performance?period=2026-10');
  expect(r.status).toBe(200);
  const d = r.body.deductions;
  expect(d.points).toEqual({ perCategory: { attitude: 2, quality: 2, efficiency: 2, environment: 1 }, lateRectification: 1 });
  const byCase = Object.fromEntries(d.cases.map((c: { caseNo: string; lines: unknown[]; lateRectification: boolean }) => [c.caseNo, [c.lines, c.lateRectification]]));
  expect(byCase['RA-P-1']).toEqual([[{ target: 'staff', who: '黄窗口', categories: ['服务态度'], codes: ['attitude-3'], points: 2 }], false]);
  expect(byCase['RA-P-2']).toEqual([[{ target: 'window', who: expect.any(String), categories: ['服务环境'], codes: ['environment-2'], points: 1 }], false]);
  expect(byCase['RA-P-3']).toEqual([[{ target: 'staff', who: '黄窗口', categories: ['服务效率', '服务质量', '未按期整改'], codes: ['efficiency-3', 'efficiency-5', 'quality-2'], points: 5 }], true]);
  // Per person: 黄窗口 2 + 5 (two windows); per window: 市场监管 1.
  expect(d.persons.map((p: { person: string; unitId: string; points: number }) => [p.person, p.unitId, p.points])).toEqual([['黄窗口', 'ra-bdc', 5], ['黄窗口', 'ra-scjg', 2]]);
  expect(d.windows.map((w: { unitId: string; points: number; cases: number }) => [w.unitId, w.points, w.cases])).toEqual([['ra-scjg', 1, 1]]);

  // Rankings: ra-scjg 1 good of 3, ra-bdc 1 good of 2 → ra-bdc first; staff 蓝窗口 1/2, 韦窗口 1/1, 黄窗口 0/2.
  expect(r.body.units.map((u: { unitId: string; rank: number; lowest: boolean }) => [u.unitId, u.rank, u.lowest])).toEqual([['ra-bdc', 1, false], ['ra-scjg', 2, true]]);
  expect(r.body.staff.map((s: { staffName: string; rank: number }) => [s.staffName, s.rank])).toEqual([['韦窗口', 1], ['蓝窗口', 2], ['黄窗口', 3], ['黄窗口', 4]]);
  expect(r.body.supervision.staff).toHaveLength(1);

  expect((await api.get('/api/v1/counties/rongan/performance?period=October')).status).toBe(400);
  expect((await api.get('/api/v1/counties/xinhua/performance?period=2026-Q4')).body).toMatchObject({ period: '2026-Q4', deductions: null });
});
