/**
 * 双归零 (新华 第十条): two cases of the same service, unit and 附件1 option are suggested as a shared
 * problem; the problem has its own owner and deadline; it closes only when both cases are archived and
 * its own rectification is done; the list and the quarter's bulletin show both counts.
 */
import type { ApiClient } from '../support/harness';
import { badRating, complete, countyApp, setClock } from '../scenarios/support';

const app = countyApp();

async function archive(api: ApiClient, caseId: string) {
  await complete(api, caseId, 'verify', { genuine: true, reason: '未一次性告知', realDemand: '一次性告知' });
  await complete(api, caseId, 'rectify', { investigation: '属实', measures: '完善告知清单', rectified: true });
  await complete(api, caseId, 'feedbackEvaluator', { feedbackChannel: 'sms', feedbackContent: '已整改' });
  await complete(api, caseId, 'reportProvince', { platformRef: 'HN-1', reportSummary: '已整改' });
  await complete(api, caseId, 'summarize', { sharedProblem: true });
}

test('a shared problem groups two cases, closes only when both cases and itself are closed; the bulletin counts both', async () => {
  const api = app().api;
  await setClock(api, '2026-10-12T10:00:00+08:00');
  const one = await badRating(api, 'xinhua', { caseNo: 'XH-S-1', unitId: 'xh-scjg', serviceName: '食品经营许可', completedAt: '2026-10-12T09:00:00+08:00', ratedAt: '2026-10-12T09:10:00+08:00' });
  const two = await badRating(api, 'xinhua', { caseNo: 'XH-S-2', unitId: 'xh-scjg', serviceName: '食品经营许可', completedAt: '2026-10-12T09:00:00+08:00', ratedAt: '2026-10-12T09:20:00+08:00' });
  const suggested = (await api.get('/api/v1/counties/xinhua/shared-problems/candidates')).body.items;
  expect(suggested[0]).toMatchObject({ cause: { unitId: 'xh-scjg', option: expect.any(String) }, caseIds: [one, two] });

  const made = await api.post('/api/v1/counties/xinhua/shared-problems', { title: '一次性告知清单缺失', owner: '区市场监督管理局', deadline: '2026-10-30', caseIds: [one, two], cause: suggested[0].cause });
  expect(made.status).toBe(201);
  const id = made.body.id;
  expect(made.body).toMatchObject({ status: 'open', owner: '区市场监督管理局', deadline: '2026-10-30T16:00:00.000Z', casesClosed: 0, zeroed: { cases: false, problem: false } });
  expect((await api.post('/api/v1/counties/xinhua/shared-problems', { title: 'x', owner: 'y', deadline: '2026-10-30', caseIds: [one] })).status).toBe(409);
  expect((await api.post('/api/v1/counties/xinhua/shared-problems', { title: 'x', owner: 'y', deadline: 'soon', caseIds: [one] })).body).toMatchObject({ details: [{ field: 'deadline' }] });

  const early = await api.post(`/api/v1/counties/xinhua/shared-problems/${id}/close`);
  expect(early.status).toBe(409);
  expect(early.body.message).toContain('not rectified');
  expect(early.body.message).toContain(one);
  await archive(api, one);
  expect((await api.post(`/api/v1/counties/xinhua/shared-problems/${id}/rectify`, { measures: '全区统一一次性告知清单' })).body).toMatchObject({ status: 'rectified', casesClosed: 1 });
  const still = await api.post(`/api/v1/counties/xinhua/shared-problems/${id}/close`);
  expect(still.status).toBe(409);
  expect(still.body.message).toContain(two);
  await archive(api, two);
  expect((await api.post(`/api/v1/counties/xinhua/shared-problems/${id}/close`)).body).toMatchObject({ status: 'closed', closedBy: 'test-admin', zeroed: { cases: true, problem: true } });

  const list = (await api.get('/api/v1/counties/xinhua/shared-problems')).body;
  expect(list.counts).toEqual({ problems: 1, problemsClosed: 1, cases: 2, casesClosed: 2 });
  await setClock(api, '2027-01-01T08:00:00+08:00');
  const b = await api.post('/api/v1/counties/xinhua/bulletins', { kind: 'quarterly', period: '2026-Q4' });
  expect(b.status).toBe(201);
  expect(b.body.figures.shared).toEqual({ problems: 1, problemsClosed: 1, cases: 2, casesClosed: 2 });
  const html = await fetch(`${app().url}${b.body.html}`, { headers: { authorization: 'Bearer test-admin-token' } }).then((r) => r.text());
  expect(html).toContain('共性问题1个，已归零1个；所涉差评办件2件，已办结2件');
});
