/**
 * 新华区 (seed 002 第七、八条): verification within 24 hours (elapsed), rectification within 15 days counted
 * from receipt (natural days; a last day on a holiday moves to the next working day), feedback to the
 * evaluator and the report to the provincial platform within that period; mistaken or malicious reviews
 * are not adopted. Calendar: national (国庆 10/1–10/7; 端午 6/19–6/21).
 */
import { caseVariables, expectNoPersonalData, scenarioApp, sh } from './support';

const ctx = scenarioApp();
const UNIT = 'xh-scjg';
const ENV = '政务服务环境科';
const vars = (receivedAt: string, over: Record<string, unknown> = {}) =>
  caseVariables({ caseId: 'xh-case', receivedAt, unitId: UNIT, unitName: '新华区市场监督管理局', serviceName: '食品经营许可证核发', staffName: '李某', ...over });

const genuine = { genuine: true, reason: '受理时未一次性告知', realDemand: '一次性告知所需材料' };
const rectification = { investigation: '属实', measures: '完善一次性告知清单', rectified: true };

describe('新华区 bad review (第七、八条)', () => {
  test('genuine, on time: 24 hours, 15 days ending on a National Day holiday move to 10/8, feedback, provincial platform, archived', async () => {
    const d = ctx.driver();
    // Tuesday 22 September 2026, 10:00.
    await d.clock('2026-09-22T10:00:00+08:00');
    const c = await d.start('xinhua', 'xinhuaBadReview', 'XH-001', vars('2026-09-22T10:00:00+08:00'));
    expect(await c.status()).toBe('verifying');
    const verify = await c.task('verify');
    expect(verify).toMatchObject({ candidateGroups: [ENV], formKey: 'verification', dueAt: sh('2026-09-23 10:00') });
    expect((await c.timers()).verifyReminder).toEqual([sh('2026-09-23 06:00')]);
    await d.clock('2026-09-22T15:00:00+08:00');
    await c.complete('verify', genuine);
    expect(await c.status()).toBe('rectifying');
    const rectify = await c.task('rectify');
    expect(rectify.candidateGroups).toEqual([UNIT]);
    // 9/22 + 15 days = 10/7, a holiday → the next working day, Thursday 10/8, at 24:00.
    expect(rectify.dueAt).toBe(sh('2026-10-08 17:30'));
    expect((await c.timers()).rectifyReminder).toEqual([sh('2026-10-05 10:00')]); // 13 × 24 h
    await d.clock('2026-10-06T09:00:00+08:00');
    expect(await c.fired()).toEqual(['rectifyReminder']);
    await d.clock('2026-10-08T10:00:00+08:00');
    await c.complete('rectify', rectification);
    expect(await c.status()).toBe('feedback');
    const feedback = await c.task('feedbackEvaluator');
    expect(feedback).toMatchObject({ candidateGroups: [ENV], dueAt: sh('2026-10-08 17:30') });
    await c.complete('feedbackEvaluator', { feedbackChannel: 'sms', feedbackContent: '已完善一次性告知清单' });
    expect(await c.status()).toBe('reporting');
    expect((await c.task('reportProvince')).dueAt).toBe(sh('2026-10-08 17:30'));
    await c.complete('reportProvince', { platformRef: 'HN-2026-10-0008', reportSummary: '已整改并反馈' });
    await c.complete('summarize', { sharedProblem: false });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    expect(await c.notifications()).toEqual(['handover', 'remind-rectify', 'evaluator-feedback', 'province-report']);
    const out = await c.outbox();
    expect(out.find((o) => o.payload.template === 'province-report')!.recipients).toEqual(['group:省政务服务平台']);
    expectNoPersonalData(out.find((o) => o.payload.template === 'evaluator-feedback')!.body, '李某');
  });

  test('late verification (24 hours elapsed through the 端午 holiday): 督办 fires, the case goes on; a shared problem is escalated', async () => {
    const d = ctx.driver();
    // Thursday 18 June 2026, 17:00; 6/19–6/21 are 端午 days off, hours run through them.
    await d.clock('2026-06-18T17:00:00+08:00');
    const c = await d.start('xinhua', 'xinhuaBadReview', 'XH-002', vars('2026-06-18T17:00:00+08:00'));
    expect((await c.task('verify')).dueAt).toBe(sh('2026-06-19 17:00'));
    await d.clock('2026-06-22T09:00:00+08:00');
    expect(await c.fired()).toEqual(['verifyReminder', 'verifyOverdue']);
    const esc = (await c.outbox()).find((o) => o.payload.template === 'escalate-verify')!;
    expect(esc.recipients).toEqual([`group:${ENV}`, 'group:局领导']);
    await c.complete('verify', genuine);
    // 6/18 + 15 = Friday 7/3, a working day.
    expect((await c.task('rectify')).dueAt).toBe(sh('2026-07-03 17:30'));
    await c.complete('rectify', { ...rectification, rectified: false, delayReason: '需修订办事指南', plannedDate: '2026-07-20' });
    // 第八条: not rectified in the period → the evaluator is told the reason and the date; the unit finishes by it.
    expect((await c.task('rectifyByPromise')).dueAt).toBe(sh('2026-07-20 17:30'));
    await c.complete('rectifyByPromise', { ...rectification, rectified: true });
    await c.complete('feedbackEvaluator', { feedbackChannel: 'platform', feedbackContent: '办事指南修订中' });
    await c.complete('reportProvince', { platformRef: 'HN-2026-06-0018', reportSummary: '整改中，已说明理由和期限' });
    await c.complete('summarize', { sharedProblem: true, analysis: '多个窗口同类差评' });
    expect((await c.instance()).variables.caseStatus).toBe('archived');
    const shared = (await c.outbox()).find((o) => o.payload.template === 'shared-problem')!;
    expect(shared.recipients).toEqual(['group:局领导', `group:${ENV}`, `unit:${UNIT}`]);
  });

  test('malicious → not adopted (revoked) within the 24 hours', async () => {
    const d = ctx.driver();
    await d.clock('2026-11-06T16:00:00+08:00'); // a Friday
    const c = await d.start('xinhua', 'xinhuaBadReview', 'XH-003', vars('2026-11-06T16:00:00+08:00'));
    await c.complete('verify', { genuine: false, reason: '评价人与办件无关，疑似恶意', realDemand: '无' });
    expect(await c.status()).toBe('appealing');
    const review = await c.task('reviewUntrue');
    expect(review).toMatchObject({ candidateGroups: [ENV], formKey: 'untrueReview', dueAt: sh('2026-11-07 16:00') });
    await c.complete('reviewUntrue', { untrueKind: 'malicious', appealUpheld: true, decisionNote: '恶意差评，不予采纳' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('revoked');
    expect(await c.notifications()).toEqual(['not-adopted']);
  });

  test('mistaken claim rejected on review → rectification', async () => {
    const d = ctx.driver();
    await d.clock('2026-11-09T10:00:00+08:00');
    const c = await d.start('xinhua', 'xinhuaBadReview', 'XH-004', vars('2026-11-09T10:00:00+08:00'));
    await c.complete('verify', { genuine: false, reason: '单位认为误评', realDemand: '加快审批' });
    await c.complete('reviewUntrue', { untrueKind: 'mistaken', appealUpheld: false, decisionNote: '评价属实' });
    expect(await c.status()).toBe('rectifying');
    expect((await c.task('rectify')).dueAt).toBe(sh('2026-11-24 17:30')); // 11/9 + 15 = Tuesday 11/24
    await c.complete('rectify', rectification);
    await c.complete('feedbackEvaluator', { feedbackChannel: 'mobile', feedbackContent: '已整改' });
    await c.complete('reportProvince', { platformRef: 'HN-2026-11-0009', reportSummary: '已整改' });
    await c.complete('summarize', { sharedProblem: false });
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });
});
