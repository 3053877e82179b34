/** 四平市: a bad rating called back within 48 hours, rectified within 15 days, fed back, archived (DB2203/T 8—2024). */
import { badRating, complete, countyApp, expectArchived, setClock } from './support';

const app = countyApp();

test('POST /evaluations → callback → rectify → feedback → archived', async () => {
  const api = app().api;
  await setClock(api, '2026-06-18T10:00:00+08:00');
  const caseId = await badRating(api, 'siping', { caseNo: 'SP-2026-0618-001', unitId: 'sp-bdc', serviceName: '不动产登记', completedAt: '2026-06-18T09:00:00+08:00', ratedAt: '2026-06-18T09:45:00+08:00' });
  // 9.3: the centre or the staff member may contest in writing within 2 working days, beside the callback.
  await complete(api, caseId, 'callbackVerify', { genuine: true, reason: '排队等候时间长', realDemand: '增加窗口', problemType: '效率' }, ['fileContest']);
  // Nothing is contested: the window closes (Tue 23 June 17:30, after 端午) and the case goes on.
  await setClock(api, '2026-06-24T09:00:00+08:00');
  await complete(api, caseId, 'rectify', { investigation: '高峰期窗口不足', measures: '高峰期增开窗口', rectified: true });
  await complete(api, caseId, 'feedbackEvaluator', { satisfied: true });
  await expectArchived(api, 'siping', caseId);
});
