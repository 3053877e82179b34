/**
 * 柳东新区 (seed 000): system-pushed bad review (附件4) both branches, and the on-site complaint (附件3),
 * driven through HTTP with the simulated clock. Calendar: national + Guangxi (壮族三月三 2026: 4/17–4/20
 * off; 清明 4/4–4/6 off).
 */
import { caseVariables, expectNoPersonalData, scenarioApp, sh } from './support';

const ctx = scenarioApp();
const UNIT = 'ld-xzsp';
const vars = (receivedAt: string, over: Record<string, unknown> = {}) =>
  caseVariables({ caseId: 'ld-case', receivedAt, unitId: UNIT, unitName: '柳东新区行政审批局', serviceName: '食品经营许可', staffName: '韦某某', ...over });

const verifiedGenuine = { genuine: true, reason: '窗口未一次性告知所需材料', realDemand: '希望一次性告知材料清单', coreProblem: '一次性告知制度未落实', evidence: '调阅大厅视频 4月16日 9:10–9:40', unitLeaderContacted: true };
const rectified = { meetingHeld: true, responsiblePerson: '韦某某', investigation: '窗口人员未按清单告知', measures: '重新培训一次性告知制度，窗口张贴材料清单', rectified: true, unitLeaderOpinion: '同意' };

describe('柳东新区 system-pushed bad review (附件4)', () => {
  test('genuine, on time: 2 working days across 壮族三月三, same-day feedback, report, monthly bulletin, archived', async () => {
    const d = ctx.driver();
    // Thursday 16 April 2026, 09:30: the next day starts Guangxi's 三月三 (Fri 4/17 – Mon 4/20 off).
    await d.clock('2026-04-16T09:30:00+08:00');
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-001', vars('2026-04-16T09:20:00+08:00'));
    expect(await c.status()).toBe('verifying');
    const verify = await c.task('callbackVerify');
    expect(verify).toMatchObject({ candidateGroups: ['处理中心'], formKey: 'verification', dueAt: null });

    // A form that is not filled in correctly is refused, naming the field.
    const bad = await d.api.post(`/api/v1/tasks/${verify.id}/complete`, { variables: { genuine: 'yes', reason: 'x', realDemand: 'y' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('genuine');

    await d.clock('2026-04-16T10:00:00+08:00');
    await c.complete('callbackVerify', verifiedGenuine);
    expect(await c.status()).toBe('rectifying');
    const rectify = await c.task('unitRectify');
    expect(rectify.candidateGroups).toEqual([UNIT]);
    expect(rectify.formKey).toBe('rectification');
    // 2 working days from Thu 4/16: 4/17–4/20 are off (三月三 + weekend) → Tue 4/21, Wed 4/22 → 24:00 of 4/22.
    expect(rectify.dueAt).toBe(sh('2026-04-22 17:30'));
    const timers = await c.timers();
    expect(timers.unitRectifyReminder).toEqual([sh('2026-04-21 17:30')]);
    expect(timers.unitRectifyOverdue).toEqual([sh('2026-04-22 17:30')]);

    // The reminder fires at the end of the first working day; nothing fires during the holiday.
    expect(await d.clock('2026-04-21T12:00:00+08:00')).toBe(0);
    await d.clock('2026-04-22T00:00:00+08:00');
    expect(await c.fired()).toEqual(['unitRectifyReminder']);

    await d.clock('2026-04-22T15:00:00+08:00');
    await c.complete('unitRectify', rectified);
    expect(await c.status()).toBe('feedback');
    const feedback = await c.task('feedbackEvaluator');
    expect(feedback).toMatchObject({ candidateGroups: ['处理中心'], formKey: 'callback' });
    expect(feedback.dueAt).toBe(sh('2026-04-22 17:30')); // 当日
    await c.complete('feedbackEvaluator', { satisfied: true, evaluatorOpinion: '满意' });
    expect((await c.task('writeReport')).dueAt).toBe(sh('2026-04-22 17:30'));
    await c.complete('writeReport', { staffReception: '未一次性告知', investigation: '窗口人员未按清单告知', measures: '培训、张贴清单' });
    // The leader sends the report back once, then approves it.
    await c.complete('leaderReviewReport', { reportApproved: false, leaderOpinion: '补充视频核查情况' });
    await c.complete('writeReport', { staffReception: '未一次性告知', investigation: '窗口人员未按清单告知；视频核实', measures: '培训、张贴清单' });
    const review = await c.task('leaderReviewReport');
    expect(review.candidateGroups).toEqual(['政管办领导']);
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意报送' });
    expect(await c.status()).toBe('reporting');
    await c.complete('fileAndReport', { reportSummary: '已整改', inBulletin: true, grave: false });

    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    expect(await d.clock('2026-04-30T00:00:00+08:00')).toBe(0); // the escalation was cancelled with the task
    expect(await c.fired()).toEqual(['unitRectifyReminder']);

    expect(await c.notifications()).toEqual(['handover', 'remind-rectify', 'evaluator-feedback', 'report-supervision', 'bulletin-copy']);
    const out = await c.outbox();
    const sms = out.filter((o) => o.recipients.includes('evaluator'));
    expect(sms).toHaveLength(1);
    for (const s of sms) {
      expect(s.recipients).toEqual(['evaluator']);
      expect(s.body).toContain('LD-SP-001');
      expectNoPersonalData(s.body, '韦某某');
    }
    expect(out.find((o) => o.payload.template === 'handover')!.recipients).toEqual([`unit:${UNIT}`]);
    expect(out.find((o) => o.payload.template === 'report-supervision')!.recipients).toEqual(['group:效能督查科']);
    const copy = out.find((o) => o.payload.template === 'bulletin-copy')!;
    expect(copy.recipients).toEqual([`unit:${UNIT}`, 'group:新区绩效办']);
    // No bulletin is issued by this system: the copy says the case is recorded for the 政管办's bulletin.
    expect(copy.body).not.toContain('已列入政管办月度通报');
    expect(copy.body).toContain('本系统不生成通报');
  });

  test('genuine, late: the escalation (督办) fires after 2 working days, the unit still completes and explains', async () => {
    const d = ctx.driver();
    // Friday 8 May 2026 16:00; Saturday 5/9 is a make-up working day (劳动节调休).
    await d.clock('2026-05-08T16:00:00+08:00');
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-002', vars('2026-05-08T15:30:00+08:00'));
    await c.complete('callbackVerify', verifiedGenuine);
    const rectify = await c.task('unitRectify');
    // Sat 5/9 (make-up workday) is day 1, Mon 5/11 day 2.
    expect(rectify.dueAt).toBe(sh('2026-05-11 17:30'));
    await d.clock('2026-05-12T09:00:00+08:00');
    expect(await c.fired()).toEqual(['unitRectifyReminder', 'unitRectifyOverdue']);
    const overdue = (await d.api.get(`/api/v1/tasks?instanceId=${c.id}&overdue=true`)).body.items;
    expect(overdue.map((t: { elementId: string }) => t.elementId)).toEqual(['unitRectify']);
    const escalation = (await c.outbox()).find((o) => o.payload.template === 'escalate-rectify')!;
    expect(escalation.recipients).toEqual(['group:处理中心', 'group:政管办领导', `unit:${UNIT}`]);
    expect(escalation.body).toContain('督办');

    await c.complete('unitRectify', { ...rectified, rectified: false, delayReason: '需采购叫号设备', plannedDate: '2026-05-20' });
    const done = (await c.tasks('completed')).find((t) => t.elementId === 'unitRectify')!;
    expect(new Date(done.completedAt!).getTime()).toBeGreaterThan(new Date(done.dueAt!).getTime());
    expect((await c.variables()).delayReason).toBe('需采购叫号设备');
    // Not rectified: the evaluator is told why and by when (附件4), and the unit finishes by that date.
    expect((await c.outbox()).find((o) => o.payload.template === 'evaluator-promise')!.body).toContain('2026-05-20');
    expect((await c.task('unitRectifyByPromise')).dueAt).toBe(sh('2026-05-20 17:30'));
    await c.complete('unitRectifyByPromise', { ...rectified, rectified: true });
    await c.complete('feedbackEvaluator', { satisfied: false });
    await c.complete('writeReport', { staffReception: 'x', investigation: 'x', measures: 'y' });
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
    await c.complete('fileAndReport', { reportSummary: '逾期整改，已说明理由', inBulletin: true, grave: true });
    expect(await c.notifications()).toContain('bulletin-superior');
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });

  test('mistaken → revocation in 1 working day, appeal to 效能督查科 within 1 working day of receipt across 清明 → upheld → revoked', async () => {
    const d = ctx.driver();
    // Friday 3 April 2026 16:00; 4/4–4/6 (Sat–Mon) are 清明 days off.
    await d.clock('2026-04-03T16:00:00+08:00');
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-003', vars('2026-04-03T15:40:00+08:00'));
    await d.clock('2026-04-03T16:30:00+08:00');
    await c.complete('callbackVerify', { genuine: false, reason: '评价人误点“不满意”', realDemand: '无' });
    expect(await c.status()).toBe('appealing');
    const revocation = await c.task('unitRevocation');
    expect(revocation).toMatchObject({ candidateGroups: [UNIT], formKey: 'revocation' });
    expect(revocation.dueAt).toBe(sh('2026-04-07 17:30')); // 1 working day: Tue 4/7
    expect((await c.timers()).unitRevocationReminder).toEqual([sh('2026-04-03 17:30')]); // 当日

    await d.clock('2026-04-07T10:00:00+08:00');
    expect(await c.fired()).toEqual(['unitRevocationReminder']);
    await c.complete('unitRevocation', { untrueKind: 'mistaken', revocationReason: '评价人确认误操作', evidence: '回访录音' });
    const write = await c.task('writeAppeal');
    expect(write).toMatchObject({ candidateGroups: ['处理中心'], dueAt: sh('2026-04-07 17:30') });
    await c.complete('writeAppeal', { appealReason: '评价人误评，已回访确认' });
    expect((await c.task('leaderReviewAppeal')).candidateGroups).toEqual(['政管办领导']);
    await c.complete('leaderReviewAppeal', { genuine: false, leaderOpinion: '同意' });
    const send = await c.task('sendAppeal');
    // 1 working day from receipt (Fri 4/3) → Tue 4/7 24:00, whenever the task is entered.
    expect(send.dueAt).toBe(sh('2026-04-07 17:30'));
    expect(send.dueExpression).toBe('1wd from receivedAt');
    await c.complete('sendAppeal', { documentNo: '柳东政务〔2026〕12号' });
    const decision = await c.task('appealDecision');
    expect(decision.candidateGroups).toEqual(['效能督查科']);
    await c.complete('appealDecision', { appealUpheld: true, decisionNote: '属误评，予以撤销' });

    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('revoked');
    expect(inst.variables.untrueKind).toBe('mistaken');
    // The reminder of sendAppeal (end of the day of receipt) had passed when the task opened: it fires at once.
    expect(await c.notifications()).toEqual(['untrue-notice', 'remind-revocation', 'remind-appeal-submit', 'appeal-supervision', 'appeal-revoked']);
    expect(await c.fired()).toEqual(['unitRevocationReminder', 'sendAppealReminder']);
  });

  test('malicious → appeal rejected by 效能督查科 → back to rectification → archived', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-01T09:00:00+08:00');
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-004', vars('2026-06-01T08:50:00+08:00'));
    await c.complete('callbackVerify', { genuine: false, reason: '疑似恶意差评', realDemand: '无' });
    await c.complete('unitRevocation', { untrueKind: 'malicious', revocationReason: '评价人多次恶意差评' });
    await c.complete('writeAppeal', { appealReason: '恶意差评' });
    await c.complete('leaderReviewAppeal', { genuine: false, leaderOpinion: '同意' });
    await c.complete('sendAppeal', { documentNo: '2026-88' });
    await d.clock('2026-06-05T10:00:00+08:00'); // Friday
    await c.complete('appealDecision', { appealUpheld: false, decisionNote: '证据不足，维持差评' });
    expect(await c.status()).toBe('rectifying');
    const rectify = await c.task('unitRectify');
    expect(rectify.dueAt).toBe(sh('2026-06-09 17:30')); // Fri → Mon 6/8, Tue 6/9
    await c.complete('unitRectify', rectified);
    await c.complete('feedbackEvaluator', { satisfied: true });
    await c.complete('writeReport', { staffReception: 'x', investigation: 'x', measures: 'y' });
    await c.complete('leaderReviewReport', { reportApproved: true, leaderOpinion: '同意' });
    await c.complete('fileAndReport', { reportSummary: '申诉未获支持，已整改', inBulletin: false, grave: false });
    expect(await c.notifications()).toEqual(['untrue-notice', 'appeal-supervision', 'handover', 'evaluator-feedback', 'report-supervision']);
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });

  test('the leader does not agree to appeal → rectification', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-10T09:00:00+08:00');
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-005', vars('2026-06-10T08:50:00+08:00'));
    await c.complete('callbackVerify', { genuine: false, reason: '单位认为误评', realDemand: '办事更快' });
    await c.complete('unitRevocation', { untrueKind: 'mistaken', revocationReason: '误评' });
    await c.complete('writeAppeal', { appealReason: '误评' });
    await c.complete('leaderReviewAppeal', { genuine: true, leaderOpinion: '评价人诉求合理，应整改' });
    expect(await c.open()).toEqual(['unitRectify']);
    expect(await c.status()).toBe('rectifying');
    // The leader's finding is recorded as the case's outcome: a genuine bad review.
    expect(await c.variables()).toMatchObject({ genuine: true, untrueKind: 'mistaken' });
  });
});

describe('柳东新区 windows and same-day limits (附件4)', () => {
  test('the revocation window lapses (1 working day, nothing sent): the lateness is recorded and the case goes to rectification', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-01T09:00:00+08:00'); // Monday
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-010', vars('2026-06-01T08:45:00+08:00'));
    await c.complete('callbackVerify', { genuine: false, reason: '疑似误评', realDemand: '无' });
    expect((await c.task('unitRevocation')).dueAt).toBe(sh('2026-06-02 17:30'));
    await d.clock('2026-06-03T09:00:00+08:00');
    expect(await c.fired()).toEqual(['unitRevocationReminder', 'unitRevocationOverdue']);
    expect((await c.timers()).unitRevocationOverdue).toEqual([sh('2026-06-02 17:30')]);
    expect((await c.tasks('cancelled')).map((t) => t.elementId)).toEqual(['unitRevocation']);
    expect(await c.status()).toBe('rectifying');
    expect(await c.open()).toEqual(['unitRectify']);
    expect((await c.outbox()).find((o) => o.payload.template === 'revocation-lapsed')!.recipients).toEqual(['group:处理中心', 'group:政管办领导', `unit:${UNIT}`]);
  });

  test('the same-day report is counted from receipt of the unit form, not from the feedback step', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-08T09:00:00+08:00'); // Monday
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-011', vars('2026-06-08T08:45:00+08:00'));
    await c.complete('callbackVerify', verifiedGenuine);
    await d.clock('2026-06-09T16:00:00+08:00'); // the unit's form arrives on Tuesday afternoon
    await c.complete('unitRectify', rectified);
    await d.clock('2026-06-10T10:00:00+08:00'); // the callback is made late, on Wednesday
    await c.complete('feedbackEvaluator', { satisfied: true });
    // 当日 of the form's receipt: Tuesday's close, already past, so the report is overdue at once.
    const report = await c.task('writeReport');
    expect(report).toMatchObject({ dueAt: sh('2026-06-09 17:30'), dueExpression: '当日 from caseStatusAt' });
    expect(await c.fired()).toContain('writeReportOverdue');
  });
});

describe('柳东新区 on-site complaint (附件3)', () => {
  test('register, assign, 2 working days across the weekend, report approved by the unit head and the leader, feedback, archived', async () => {
    const d = ctx.driver();
    // Friday 11 September 2026, 15:00.
    await d.clock('2026-09-11T15:00:00+08:00');
    const c = await d.start('liudong', 'liudongOnSite', 'LD-OS-001', vars('2026-09-11T14:50:00+08:00', { kind: 'on-site', channel: 'paper' }));
    expect(await c.status()).toBe('received');
    expect((await c.task('register')).candidateGroups).toEqual(['处理中心']);
    await c.complete('register', { complaintContent: '窗口人员推诿，让我去其他窗口' });
    await c.complete('assignUnit', { unitId: 'ld-bdcdj', unitName: '柳东新区不动产登记中心', onSpotCheck: false });
    const rectify = await c.task('unitRectify');
    expect(rectify.candidateGroups).toEqual(['ld-bdcdj']); // the unit the centre decided on
    expect(rectify.dueAt).toBe(sh('2026-09-15 17:30')); // Fri → Mon 9/14, Tue 9/15
    await d.clock('2026-09-15T11:00:00+08:00');
    await c.complete('unitRectify', { investigation: '属实', measures: '约谈窗口人员', rectified: true, unitLeaderOpinion: '同意' });
    await c.complete('writeReport', { staffReception: '接待时推诿', investigation: '属实', measures: '约谈、培训' });
    expect((await c.task('unitHeadApproval')).candidateGroups).toEqual(['ld-bdcdj']);
    await c.complete('unitHeadApproval', { unitHeadAgreed: false, unitHeadOpinion: '措施不够具体' });
    await c.complete('writeReport', { staffReception: '接待时推诿', investigation: '属实', measures: '约谈、培训、纳入考核' });
    await c.complete('unitHeadApproval', { unitHeadAgreed: true, unitHeadOpinion: '同意' });
    expect((await c.task('leaderApproval')).candidateGroups).toEqual(['政管办领导']);
    await c.complete('leaderApproval', { reportApproved: true, leaderOpinion: '同意' });
    expect(await c.status()).toBe('feedback');
    await c.complete('feedbackEvaluator', { satisfied: true });
    await c.complete('fileCase', { inBulletin: false, grave: false });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    const out = await c.outbox();
    expect(out.find((o) => o.payload.template === 'handover-onsite')!.recipients).toEqual(['unit:ld-bdcdj']);
    expect(out.find((o) => o.payload.template === 'handover-onsite')!.body).toContain('柳东新区不动产登记中心');
    expectNoPersonalData(out.find((o) => o.payload.template === 'evaluator-feedback')!.body, '韦某某');
  });

  test('附件3 现场直查: the centre checks on the spot, records it, then hands the form over', async () => {
    const d = ctx.driver();
    await d.clock('2026-09-14T10:00:00+08:00');
    const c = await d.start('liudong', 'liudongOnSite', 'LD-OS-002', vars('2026-09-14T09:50:00+08:00', { kind: 'on-site', channel: 'paper' }));
    await c.complete('register', { complaintContent: '等候时间过长' });
    await c.complete('assignUnit', { unitId: 'ld-rlsb', unitName: '柳东新区人力资源和社会保障局', onSpotCheck: true });
    const check = await c.task('onSpotCheck');
    expect(check).toMatchObject({ candidateGroups: ['处理中心'], formKey: 'onSpotCheck' });
    expect(await c.open()).toEqual(['onSpotCheck']); // not handed over before the check
    await c.complete('onSpotCheck', { checkFindings: '现场核实：取号机故障，等候超过1小时', evidence: '大厅视频' });
    expect((await c.task('unitRectify')).candidateGroups).toEqual(['ld-rlsb']);
    expect((await c.variables()).checkFindings).toContain('取号机故障');
  });
});

describe('柳东新区 the callback confirms the responsible unit (附件4 确认责任单位)', () => {
  test('a unit corrected at the callback gets the hand-over and the rectification', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-15T09:00:00+08:00');
    const c = await d.start('liudong', 'liudongSystemPushed', 'LD-SP-012', vars('2026-06-15T08:45:00+08:00'));
    const t = await c.task('callbackVerify');
    const half = await d.api.post(`/api/v1/tasks/${t.id}/complete`, { variables: { ...verifiedGenuine, unitId: 'ld-scjg' } });
    expect(half.status).toBe(400); // a corrected unit needs its name too
    await c.complete('callbackVerify', { ...verifiedGenuine, unitId: 'ld-scjg', unitName: '柳东新区市场监督管理局' });
    const rectify = await c.task('unitRectify');
    expect(rectify.candidateGroups).toEqual(['ld-scjg']);
    // The README's unit staff: "units" decides whose tasks they may do.
    const newUnit = (await d.api.post('/api/v1/admin/users', { id: 'li.si', name: '李四', roles: ['staff'], counties: ['liudong'], units: ['ld-scjg'] })).body.token;
    const oldUnit = (await d.api.post('/api/v1/admin/users', { id: 'wang.wu', name: '王五', roles: ['staff'], counties: ['liudong'], units: ['ld-xzsp'] })).body.token;
    expect((await d.api.as(oldUnit).post(`/api/v1/tasks/${rectify.id}/claim`, {})).status).toBe(403);
    expect((await d.api.as(newUnit).post(`/api/v1/tasks/${rectify.id}/claim`, {})).status).toBe(200);
    const handover = (await c.outbox()).find((o) => o.payload.template === 'handover')!;
    expect(handover.recipients).toEqual(['unit:ld-scjg']);
    expect(handover.body).toContain('柳东新区市场监督管理局');
  });
});
