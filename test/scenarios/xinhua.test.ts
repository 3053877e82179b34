/** 新华区: a bad rating verified within 24 hours, rectified within 15 days, fed back, reported to the province, archived. */
import { badRating, complete, countyApp, expectArchived, setClock } from './support';

const app = countyApp();

test('POST /evaluations → verify → rectify → feedback → provincial platform → summary → archived', async () => {
  const api = app().api;
  await setClock(api, '2026-09-22T10:00:00+08:00');
  const caseId = await badRating(api, 'xinhua', { caseNo: 'XH-2026-0922-001', unitId: 'xh-scjg', serviceName: '食品经营许可', completedAt: '2026-09-22T09:00:00+08:00', ratedAt: '2026-09-22T09:50:00+08:00' });
  await complete(api, caseId, 'verify', { genuine: true, reason: '受理时未一次性告知', realDemand: '一次性告知所需材料' });
  await complete(api, caseId, 'rectify', { investigation: '属实', measures: '完善一次性告知清单', rectified: true });
  await complete(api, caseId, 'feedbackEvaluator', { feedbackChannel: 'sms', feedbackContent: '已完善一次性告知清单' });
  await complete(api, caseId, 'reportProvince', { platformRef: 'HN-2026-10-0008', reportSummary: '已整改并反馈' });
  await complete(api, caseId, 'summarize', { sharedProblem: false });
  await expectArchived(api, 'xinhua', caseId);
});
