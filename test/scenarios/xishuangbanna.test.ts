/** 西双版纳州: a bad rating forwarded within 2 working days, a simple case rectified within 2, the report form, archived. */
import { badRating, complete, countyApp, expectArchived, setClock } from './support';

const app = countyApp();

test('POST /evaluations → forward → classify → rectify (simple) → report form → archived', async () => {
  const api = app().api;
  await setClock(api, '2026-09-29T09:30:00+08:00');
  const caseId = await badRating(api, 'xishuangbanna', { caseNo: 'XSBN-2026-0929-001', unitId: 'xsbn-scjg', serviceName: '食品生产许可', completedAt: '2026-09-29T09:00:00+08:00', ratedAt: '2026-09-29T09:20:00+08:00' });
  await complete(api, caseId, 'forward', { forwardNote: '请核查整改' });
  await complete(api, caseId, 'classify', { handlingSection: '食品生产科', reviewRequested: false, complex: false });
  await complete(api, caseId, 'rectifySimple', { investigation: '属实', measures: '已当场补办并致歉', extensionRequested: false, evaluatorReplied: true });
  await complete(api, caseId, 'submitReportForm', { investigation: '属实', measures: '补办、致歉', result: '已办结', feedbackToEvaluator: '已通过系统平台反馈' });
  // The county's first rectified case of a month is always drawn for the ≥ 20 % callback survey
  // (seed 003 一(二)4): the survey is the last task.
  await complete(api, caseId, 'callbackSurvey', { satisfied: true });
  await expectArchived(api, 'xishuangbanna', caseId);
});
