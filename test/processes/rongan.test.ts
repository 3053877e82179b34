/**
 * 融安县 (seed 001): system-pushed bad review (第五至九条, 附件3) both branches, the second callback until
 * the evaluator is satisfied or the leader closes the case unsatisfied, the 4-working-day report to
 * 督查科, and the on-site complaint (第四条) with county-centre versus sub-centre routing. Calendar:
 * national + Guangxi (国庆 10/1–10/7 with 10/10 a make-up Saturday; 清明 4/4–4/6; 三月三 4/17–4/20).
 */
import { caseVariables, expectNoPersonalData, scenarioApp, sh } from './support';

const ctx = scenarioApp();
const UNIT = 'ra-scjg';
const vars = (receivedAt: string, over: Record<string, unknown> = {}) =>
  caseVariables({ caseId: 'ra-case', receivedAt, unitId: UNIT, unitName: '融安县市场监督管理局窗口', serviceName: '个体工商户设立登记', staffName: '覃某某', ...over });

const handoverForm = { complaintContent: '窗口工作人员服务态度生硬', registeredBy: '县政管办值班员' };
const genuine = { genuine: true, reason: '工作人员答复生硬', realDemand: '希望耐心解释办理流程', evidence: '窗口视频', videoSaved: true };
const rectification = { meetingHeld: true, responsiblePerson: '覃某某', investigation: '属实', measures: '约谈、培训', rectified: true, headReviewed: true };
const report = { staffReception: '答复生硬', investigation: '属实', measures: '约谈、培训' };
const performance = { deductionPoints: 2, rectificationAssessment: '按期整改' };

describe('融安县 system-pushed bad review (附件3)', () => {
  test('genuine, on time across National Day: same-day hand-over form and callback, 2+2 working days, 督查科 within 4 working days of receipt, satisfied, performance recorded', async () => {
    const d = ctx.driver();
    // Wednesday 30 September 2026, 10:00; 10/1–10/7 are off, Saturday 10/10 is a make-up working day.
    await d.clock('2026-09-30T10:00:00+08:00');
    const c = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-001', vars('2026-09-30T09:40:00+08:00'));
    expect(await c.status()).toBe('received');
    const form = await c.task('fillHandoverForm');
    expect(form).toMatchObject({ candidateGroups: ['县政管办'], formKey: 'handoverRegistration', dueAt: sh('2026-09-30 17:30') });
    await c.complete('fillHandoverForm', handoverForm);
    expect(await c.status()).toBe('verifying');
    expect((await c.task('callbackVerify')).dueAt).toBe(sh('2026-09-30 17:30')); // 当日 of receipt
    await d.clock('2026-09-30T11:00:00+08:00');
    await c.complete('callbackVerify', genuine);

    const rectify = await c.task('windowRectify');
    expect(rectify.candidateGroups).toEqual([UNIT]);
    expect(rectify.dueAt).toBe(sh('2026-10-09 17:30')); // 10/8, 10/9
    expect((await c.timers()).windowRectifyReminder).toEqual([sh('2026-10-08 17:30')]);
    await d.clock('2026-10-08T16:00:00+08:00');
    await c.complete('windowRectify', rectification);
    // 第八条: the second callback comes once the window has rectified; 第七条: the report rests on it.
    expect(await c.status()).toBe('feedback');
    expect(await c.open()).toEqual(['secondCallback']);
    await c.complete('secondCallback', { satisfied: true, evaluatorOpinion: '满意' });
    const verifyRect = await c.task('verifyRectification');
    expect(verifyRect).toMatchObject({ candidateGroups: ['县政管办'], dueAt: sh('2026-10-10 17:30') }); // 10/9, Sat 10/10 (make-up)
    await d.clock('2026-10-09T10:00:00+08:00');
    await c.complete('verifyRectification', report);
    const review = await c.task('leaderReviewReport');
    expect(review).toMatchObject({ candidateGroups: ['分管领导'], dueAt: sh('2026-10-12 17:30') });
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意报送' });
    expect(await c.status()).toBe('reporting');
    const send = await c.task('sendReport');
    // 4 working days from receipt (Wed 9/30): 10/8, 10/9, Sat 10/10, Mon 10/12.
    expect(send.dueAt).toBe(sh('2026-10-12 17:30'));
    expect((await c.timers()).sendReportReminder).toEqual([sh('2026-10-10 17:30')]);
    await d.clock('2026-10-09T15:00:00+08:00');
    await c.complete('sendReport', { documentNo: '融政监〔2026〕31号' });
    expect((await c.task('fileCase')).candidateGroups).toEqual(['县政管办']);
    await c.complete('fileCase', performance);

    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables).toMatchObject({ caseStatus: 'archived', satisfied: true });
    // 第十条: the rating's options (attitude-3, efficiency-3) put the points on the window's responsible person.
    expect(inst.variables.deductions).toEqual([{ target: 'staff', categories: ['attitude', 'efficiency'], codes: ['attitude-3', 'efficiency-3'] }]);
    expect(await c.fired()).toEqual([]);
    expect(await c.notifications()).toEqual(['leader-report', 'handover', 'evaluator-feedback', 'report-supervision', 'performance']);
    const out = await c.outbox();
    expect(out.find((o) => o.payload.template === 'leader-report')!.recipients).toEqual(['group:分管领导', `unit:${UNIT}`]);
    expect(out.find((o) => o.payload.template === 'report-supervision')!.recipients).toEqual(['group:督查科']);
    expect(out.find((o) => o.payload.template === 'performance')!.body).toContain('覃某某');
    const sms = out.find((o) => o.payload.template === 'evaluator-feedback')!;
    expect(sms.recipients).toEqual(['evaluator']);
    expectNoPersonalData(sms.body, '覃某某');
  });

  test('genuine, late across 三月三: rectification and the 4-working-day report escalate (督办), the work still completes', async () => {
    const d = ctx.driver();
    // Thursday 16 April 2026; Guangxi rests 4/17–4/20 for 三月三.
    await d.clock('2026-04-16T09:00:00+08:00');
    const c = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-002', vars('2026-04-16T08:30:00+08:00'));
    await c.complete('fillHandoverForm', handoverForm);
    await c.complete('callbackVerify', genuine);
    expect((await c.task('windowRectify')).dueAt).toBe(sh('2026-04-22 17:30'));
    await d.clock('2026-04-23T10:00:00+08:00');
    expect(await c.fired()).toEqual(['windowRectifyReminder', 'windowRectifyOverdue']);
    await c.complete('windowRectify', { ...rectification, rectified: false, delayReason: '需协调系统厂商', plannedDate: '2026-04-30' });
    // Not rectified: the evaluator is told why and by when (第五条), and the window finishes by that date.
    expect((await c.task('windowRectifyByPromise')).dueAt).toBe(sh('2026-04-30 17:30'));
    await c.complete('windowRectifyByPromise', { ...rectification, rectified: true });
    await c.complete('secondCallback', { satisfied: true });
    expect((await c.task('verifyRectification')).dueAt).toBe(sh('2026-04-27 17:30')); // Fri 4/24, Mon 4/27
    await d.clock('2026-04-24T11:00:00+08:00');
    await c.complete('verifyRectification', report);
    // The leader sends it back once.
    await c.complete('leaderReviewReport', { reportApproved: false, leaderOpinion: '补充佐证材料' });
    await c.complete('verifyRectification', report);
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
    const send = await c.task('sendReport');
    expect(send.dueAt).toBe(sh('2026-04-24 17:30')); // 4/21, 4/22, 4/23, 4/24 from receipt on 4/16
    // Its reminder (3 working days from receipt, 4/23 24:00) had passed when the task opened.
    expect(await c.fired()).toEqual(['windowRectifyReminder', 'windowRectifyOverdue', 'sendReportReminder']);
    await d.clock('2026-04-25T10:00:00+08:00');
    expect(await c.fired()).toEqual(['windowRectifyReminder', 'windowRectifyOverdue', 'sendReportReminder', 'sendReportOverdue']);
    await c.complete('sendReport', { documentNo: '融政监〔2026〕19号' });
    await c.complete('fileCase', performance);
    expect((await c.instance()).variables.caseStatus).toBe('archived');
    const escalations = (await c.outbox()).filter((o) => o.topic === 'escalation');
    expect(escalations.map((o) => o.payload.template)).toEqual(['escalate-rectify', 'escalate-report']);
    expect(escalations[0].recipients).toEqual(['group:县政管办', 'group:分管领导', `unit:${UNIT}`]);
  });

  test('evaluator unsatisfied at the second callback: the window rectifies again; still unsatisfied, the leader closes it archived-unsatisfied', async () => {
    const d = ctx.driver();
    await d.clock('2026-05-11T09:00:00+08:00');
    const c = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-003', vars('2026-05-11T08:30:00+08:00'));
    await c.complete('fillHandoverForm', handoverForm);
    await c.complete('callbackVerify', genuine);
    await c.complete('windowRectify', rectification);
    await c.complete('secondCallback', { satisfied: false, evaluatorOpinion: '仍需排队很久' });
    const decide = await c.task('leaderDecideUnsatisfied');
    expect(decide.candidateGroups).toEqual(['分管领导']);
    await c.complete('leaderDecideUnsatisfied', { continueRectification: true, leaderOpinion: '窗口增设取号机后再回访' });
    expect((await c.task('windowFollowUp')).candidateGroups).toEqual([UNIT]);
    await c.complete('windowFollowUp', { measures: '增设取号机' });
    expect(await c.open()).toEqual(['secondCallback']);
    await c.complete('secondCallback', { satisfied: false, evaluatorOpinion: '仍不满意' });
    await c.complete('leaderDecideUnsatisfied', { continueRectification: false, leaderOpinion: '已尽整改责任，按不满意归档' });
    // The report to 督查科 follows, with the callbacks in it.
    await c.complete('verifyRectification', report);
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
    await c.complete('sendReport', { documentNo: '2026-40' });
    await c.complete('fileCase', { rectificationAssessment: '整改到位，评价人仍不满意' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables).toMatchObject({ caseStatus: 'archived', satisfied: false, continueRectification: false });
    expect((await c.notifications()).filter((t) => t === 'evaluator-feedback')).toHaveLength(2);
  });

  test('mistaken → revocation in 1 working day, same-day appeal, 督查科 within 1 working day of receipt across 清明 → upheld → revoked', async () => {
    const d = ctx.driver();
    // Friday 3 April 2026, 15:00; 4/4–4/6 are 清明 days off.
    await d.clock('2026-04-03T15:00:00+08:00');
    const c = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-004', vars('2026-04-03T14:45:00+08:00'));
    await c.complete('fillHandoverForm', handoverForm);
    await d.clock('2026-04-03T16:00:00+08:00');
    await c.complete('callbackVerify', { genuine: false, reason: '评价人误选', realDemand: '无' });
    expect(await c.status()).toBe('appealing');
    const revocation = await c.task('windowRevocation');
    expect(revocation).toMatchObject({ candidateGroups: [UNIT], formKey: 'revocation', dueAt: sh('2026-04-07 17:30') });
    await d.clock('2026-04-07T09:30:00+08:00');
    await c.complete('windowRevocation', { untrueKind: 'mistaken', revocationReason: '评价人确认误选', leaderApproved: true });
    expect((await c.task('confirmUntrue')).dueAt).toBe(sh('2026-04-07 17:30'));
    await c.complete('confirmUntrue', { genuine: false, appealReason: '经回访确认属误评' });
    const review = await c.task('leaderReviewAppeal');
    expect(review).toMatchObject({ candidateGroups: ['分管领导'], dueAt: sh('2026-04-07 17:30') });
    await c.complete('leaderReviewAppeal', { genuine: false, leaderOpinion: '同意' });
    expect((await c.task('sendAppeal')).dueAt).toBe(sh('2026-04-07 17:30'));
    await c.complete('sendAppeal', { documentNo: '融政监〔2026〕9号' });
    expect((await c.task('appealDecision')).candidateGroups).toEqual(['督查科']);
    await c.complete('appealDecision', { appealUpheld: true, decisionNote: '属误评，撤销' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('revoked');
    expect(await c.notifications()).toEqual(['leader-report', 'untrue-notice', 'remind-revocation', 'remind-appeal-submit', 'appeal-supervision', 'appeal-revoked']);
  });

  test('appeal rejected by 督查科 → back to rectification; and 县政管办 not confirming it as mistaken → rectification', async () => {
    const d = ctx.driver();
    await d.clock('2026-07-06T09:00:00+08:00');
    const c = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-005', vars('2026-07-06T08:30:00+08:00'));
    await c.complete('fillHandoverForm', handoverForm);
    await c.complete('callbackVerify', { genuine: false, reason: '单位称误评', realDemand: '加快办理' });
    await c.complete('windowRevocation', { untrueKind: 'malicious', revocationReason: '恶意差评', leaderApproved: true });
    await c.complete('confirmUntrue', { genuine: false, appealReason: '恶意差评' });
    await c.complete('leaderReviewAppeal', { genuine: false, leaderOpinion: '同意' });
    await c.complete('sendAppeal', { documentNo: '2026-77' });
    await c.complete('appealDecision', { appealUpheld: false, decisionNote: '不属恶意差评' });
    expect(await c.status()).toBe('rectifying');
    expect(await c.open()).toEqual(['windowRectify']);
    await c.complete('windowRectify', rectification);
    await c.complete('secondCallback', { satisfied: true });
    await c.complete('verifyRectification', report);
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
    await c.complete('sendReport', { documentNo: '2026-78' });
    await c.complete('fileCase', performance);
    expect((await c.instance()).variables.caseStatus).toBe('archived');

    const c2 = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-006', vars('2026-07-06T08:40:00+08:00'));
    await c2.complete('fillHandoverForm', handoverForm);
    await c2.complete('callbackVerify', { genuine: false, reason: '单位称误评', realDemand: '加快办理' });
    await c2.complete('windowRevocation', { untrueKind: 'mistaken', revocationReason: '误评', leaderApproved: true });
    await c2.complete('confirmUntrue', { genuine: true, appealReason: '调查后不属误评' });
    expect(await c2.open()).toEqual(['windowRectify']);
    expect(await c2.status()).toBe('rectifying');
    expect((await c2.variables()).genuine).toBe(true);
  });

  test('the revocation window lapses (1 working day, nothing sent): the lateness is recorded and the case goes to rectification', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-01T09:00:00+08:00'); // Monday
    const c = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-010', vars('2026-06-01T08:45:00+08:00'));
    await c.complete('fillHandoverForm', handoverForm);
    await c.complete('callbackVerify', { genuine: false, reason: '评价人误选', realDemand: '无' });
    expect((await c.task('windowRevocation')).dueAt).toBe(sh('2026-06-02 17:30'));
    await d.clock('2026-06-03T09:00:00+08:00');
    expect(await c.fired()).toEqual(['windowRevocationReminder', 'windowRevocationOverdue']);
    expect((await c.timers()).windowRevocationOverdue).toEqual([sh('2026-06-02 17:30')]);
    expect((await c.tasks('cancelled')).map((t) => t.elementId)).toEqual(['windowRevocation']);
    expect(await c.status()).toBe('rectifying');
    expect(await c.open()).toEqual(['windowRectify']);
    const lapsed = (await c.outbox()).find((o) => o.payload.template === 'revocation-lapsed')!;
    expect(lapsed.body).toContain('转入整改');
  });

  test('第十条: environment options cost the window, attitude/quality/efficiency the responsible person; the form cannot choose', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-15T09:00:00+08:00'); // Monday
    const c = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-011', vars('2026-06-15T08:50:00+08:00', { options: ['environment-2', 'quality-3', 'environment-5', 'other'] }));
    await c.complete('fillHandoverForm', handoverForm);
    await c.complete('callbackVerify', genuine);
    await c.complete('windowRectify', rectification);
    await c.complete('secondCallback', { satisfied: true });
    await c.complete('verifyRectification', report);
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
    await c.complete('sendReport', { documentNo: '融政监〔2026〕20号' });
    const t = await c.task('fileCase');
    const chosen = await d.api.post(`/api/v1/tasks/${t.id}/complete`, { variables: { deductFrom: 'none', rectificationAssessment: 'x' } });
    expect(chosen.status).toBe(400);
    await c.complete('fileCase', { rectificationAssessment: '已整改' });
    expect((await c.variables()).deductions).toEqual([
      { target: 'staff', categories: ['quality'], codes: ['quality-3'] },
      { target: 'window', categories: ['environment'], codes: ['environment-2', 'environment-5'] },
    ]);
    const notice = (await c.outbox()).find((o) => o.payload.template === 'performance')!.body;
    expect(notice).toContain('业务窗口（environment：environment-2、environment-5）');
  });

  test('当日 on a day off is the next working day; on a make-up Sunday it is that Sunday', async () => {
    const d = ctx.driver();
    // Sunday 20 September 2026 is a make-up working day (国庆节调休): the limit is the end of that Sunday.
    await d.clock('2026-09-20T10:00:00+08:00');
    const sun = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-007', vars('2026-09-20T09:50:00+08:00'));
    expect((await sun.task('fillHandoverForm')).dueAt).toBe(sh('2026-09-20 17:30'));
    await d.clock('2026-09-21T08:00:00+08:00');
    expect(await sun.fired()).toEqual(['fillHandoverFormOverdue']);
    // Saturday 14 November 2026: the same-day limits run to the end of Monday 11/16.
    await d.clock('2026-11-14T10:00:00+08:00');
    const sat = await d.start('rongan', 'ronganSystemPushed', 'RA-SP-008', vars('2026-11-14T09:50:00+08:00'));
    expect((await sat.task('fillHandoverForm')).dueAt).toBe(sh('2026-11-16 17:30'));
    await sat.complete('fillHandoverForm', handoverForm);
    expect((await sat.task('callbackVerify')).dueAt).toBe(sh('2026-11-16 17:30'));
    await d.clock('2026-11-16T17:00:00+08:00');
    expect(await sat.fired()).toEqual([]);
    await d.clock('2026-11-16T17:30:00+08:00'); // close of business (tenant.yaml officeHours)
    expect(await sat.fired()).toEqual(['callbackVerifyOverdue']);
  });
});

describe('融安县 on-site complaint (第四条, 附件2)', () => {
  test('at a township: its 分管领导 coordinates, the window reports in 2 working days (signed), the county leader reviews, callback, archived', async () => {
    const d = ctx.driver();
    // Friday 18 December 2026, 16:00.
    await d.clock('2026-12-18T16:00:00+08:00');
    const c = await d.start('rongan', 'ronganOnSite', 'RA-OS-001', vars('2026-12-18T15:50:00+08:00', { kind: 'on-site', unitId: 'ra-dzzx', unitName: '大将镇政务服务中心综合窗口' }));
    expect(await c.status()).toBe('received');
    expect((await c.task('register')).candidateGroups).toEqual(['县政管办']);
    await c.complete('register', { complaintContent: '多次往返仍未办结' });
    const at = await c.task('assignParty');
    const noSite = await d.api.post(`/api/v1/tasks/${at.id}/complete`, { variables: { unitId: 'ra-dzzx', unitName: '大将镇政务服务中心综合窗口', atCountyCentre: false } });
    expect(noSite.status).toBe(400);
    expect(noSite.body.details).toContainEqual({ field: 'siteId', reason: 'is required' });
    await c.complete('assignParty', { unitId: 'ra-dzzx', unitName: '大将镇政务服务中心综合窗口', atCountyCentre: false, siteId: 'ra-site-dj' });
    expect(await c.open()).toEqual(['coordinateSite']);
    // 第四条（二）: that site's 分管领导, not every site's.
    const coordinate = await c.task('coordinateSite');
    expect(coordinate.candidateGroups).toEqual(['分中心分管领导:ra-site-dj']);
    const other = (await d.api.post('/api/v1/admin/users', { id: 'cz-leader', name: '长安镇分管领导', roles: ['staff', '分中心分管领导:ra-site-cz'], counties: ['rongan'] })).body.token;
    const mine = (await d.api.post('/api/v1/admin/users', { id: 'dj-leader', name: '大将镇分管领导', roles: ['staff', '分中心分管领导:ra-site-dj'], counties: ['rongan'] })).body.token;
    // The other site's leader: not in their group inbox, and may not act on it.
    expect((await d.api.as(other).get(`/api/v1/tasks?candidateGroup=${encodeURIComponent('分中心分管领导:ra-site-cz')}`)).body.items.map((x: { id: string }) => x.id)).not.toContain(coordinate.id);
    expect((await d.api.as(other).post(`/api/v1/tasks/${coordinate.id}/claim`, {})).status).toBeGreaterThanOrEqual(403);
    expect((await d.api.as(mine).post(`/api/v1/tasks/${coordinate.id}/claim`, {})).status).toBe(200);
    expect((await d.api.as(mine).post(`/api/v1/tasks/${coordinate.id}/complete`, { variables: { handling: 'handOver' } })).status).toBe(200);
    const rectify = await c.task('windowRectify');
    expect(rectify).toMatchObject({ candidateGroups: ['ra-dzzx'], dueAt: sh('2026-12-22 17:30') }); // Mon 12/21, Tue 12/22
    await c.complete('windowRectify', { investigation: '材料清单未一次告知', measures: '一次性告知清单上墙', rectified: true, siteLeaderSigned: true });
    expect((await c.task('leaderReview')).candidateGroups).toEqual(['分管领导']);
    await c.complete('leaderReview', { reportApproved: true, leaderOpinion: '同意' });
    expect(await c.status()).toBe('feedback');
    await c.complete('callbackComplainant', { satisfied: true });
    await c.complete('fileCase', { rectificationAssessment: '已整改' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    expect(await c.notifications()).toEqual(['handover-onsite', 'leader-report-onsite', 'evaluator-feedback', 'performance']);
  });

  test('at the county centre: 县政管办 coordinates; the leader sends the report back to the window once', async () => {
    const d = ctx.driver();
    await d.clock('2026-12-21T10:00:00+08:00');
    const c = await d.start('rongan', 'ronganOnSite', 'RA-OS-002', vars('2026-12-21T09:50:00+08:00', { kind: 'on-site' }));
    await c.complete('register', { complaintContent: '窗口人员推诿' });
    await c.complete('assignParty', { unitId: UNIT, unitName: '融安县市场监督管理局窗口', atCountyCentre: true });
    expect(await c.open()).toEqual(['coordinateCounty']);
    expect((await c.task('coordinateCounty')).candidateGroups).toEqual(['县政管办']);
    await c.complete('coordinateCounty', { handling: 'onTheSpot' });
    await c.complete('windowRectify', { investigation: '属实', measures: '批评教育', rectified: true });
    await c.complete('leaderReview', { reportApproved: false, leaderOpinion: '措施不具体' });
    expect((await c.task('windowRectify')).dueAt).toBe(sh('2026-12-23 17:30')); // re-entered Mon 12/21: Tue, Wed
    await c.complete('windowRectify', { investigation: '属实', measures: '批评教育、纳入考核', rectified: true });
    await c.complete('leaderReview', { reportApproved: true, leaderOpinion: '同意' });
    await c.complete('callbackComplainant', { satisfied: true });
    await c.complete('fileCase', { rectificationAssessment: '已整改' });
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });
});
