/** 融安县: a bad rating from the hall device to archived, with the second callback and the performance record (第五至十条). */
import { badRating, complete, countyApp, expectArchived, setClock } from './support';

const app = countyApp();

test('POST /evaluations → hand-over form → callback → window rectifies → second callback → report to the 分管领导 and 督查科 → archived', async () => {
  const api = app().api;
  await setClock(api, '2026-09-30T09:40:00+08:00');
  const caseId = await badRating(api, 'rongan', { caseNo: 'RA-2026-0930-001', unitId: 'ra-scjg', serviceName: '个体工商户登记', completedAt: '2026-09-30T09:00:00+08:00', ratedAt: '2026-09-30T09:30:00+08:00' });
  await complete(api, caseId, 'fillHandoverForm', { complaintContent: '窗口工作人员服务态度生硬', registeredBy: '县政管办值班员' });
  await complete(api, caseId, 'callbackVerify', { genuine: true, reason: '工作人员答复生硬', realDemand: '希望耐心解释办理流程', evidence: '窗口视频', videoSaved: true });
  await complete(api, caseId, 'windowRectify', { meetingHeld: true, responsiblePerson: '覃某某', investigation: '属实', measures: '约谈、培训', rectified: true, headReviewed: true });
  // 第八条: after rectification the evaluator is called again; the report to 督查科 rests on it.
  await complete(api, caseId, 'secondCallback', { satisfied: true, evaluatorOpinion: '满意' });
  await complete(api, caseId, 'verifyRectification', { staffReception: '答复生硬', investigation: '属实', measures: '约谈、培训' });
  await complete(api, caseId, 'leaderReviewReport', { reportApproved: true, leaderOpinion: '同意报送' });
  await complete(api, caseId, 'sendReport', { documentNo: '融政监〔2026〕31号' });
  await complete(api, caseId, 'fileCase', { deductionPoints: 2, rectificationAssessment: '按期整改' });
  await expectArchived(api, 'rongan', caseId);
});
