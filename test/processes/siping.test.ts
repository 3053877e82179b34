/**
 * 四平市 (seed 004, DB2203/T 8—2024 8.1, 9.2, 9.3): callback and verification within 48 hours (elapsed),
 * rectification within 15 days (natural days), contest in writing within 2 working days of receipt,
 * groundless or malicious reviews not adopted. Calendar: national (端午 6/19–6/21).
 */
import { caseVariables, expectNoPersonalData, scenarioApp, sh } from './support';

const ctx = scenarioApp();
const UNIT = 'sp-bdc';
const TEAM = '回访核实专班';
const SUPERVISION = '政务服务监督管理部门';
const vars = (receivedAt: string, over: Record<string, unknown> = {}) =>
  caseVariables({ caseId: 'sp-case', receivedAt, unitId: UNIT, unitName: '四平市不动产登记中心窗口', serviceName: '不动产转移登记', staffName: '赵某', ...over });

const genuine = { genuine: true, reason: '排队等候时间长', realDemand: '增加窗口', problemType: '效率' };
const rectification = { investigation: '高峰期窗口不足', measures: '高峰期增开窗口', rectified: true };

describe('四平市 bad review', () => {
  test('genuine, on time across 端午: 48 hours, 15 days, feedback, archived', async () => {
    const d = ctx.driver();
    // Thursday 18 June 2026, 10:00; 6/19–6/21 are 端午 days off.
    await d.clock('2026-06-18T10:00:00+08:00');
    const c = await d.start('siping', 'sipingBadReview', 'SP-001', vars('2026-06-18T10:00:00+08:00'));
    expect(await c.status()).toBe('verifying');
    const verify = await c.task('callbackVerify');
    expect(verify).toMatchObject({ candidateGroups: [TEAM], formKey: 'verification', dueAt: sh('2026-06-20 10:00') });
    expect((await c.timers()).callbackVerifyReminder).toEqual([sh('2026-06-20 02:00')]);
    await d.clock('2026-06-18T15:00:00+08:00');
    await c.complete('callbackVerify', genuine);
    const rectify = await c.task('rectify');
    // 6/18 + 15 days = Friday 7/3, a working day, at 24:00.
    expect(rectify).toMatchObject({ candidateGroups: [UNIT], dueAt: sh('2026-07-03 24:00') });
    expect((await c.timers()).rectifyReminder).toEqual([sh('2026-07-01 10:00')]);
    await d.clock('2026-07-02T09:00:00+08:00');
    await c.complete('rectify', rectification);
    expect(await c.status()).toBe('feedback');
    expect((await c.task('feedbackEvaluator')).candidateGroups).toEqual([TEAM]);
    await c.complete('feedbackEvaluator', { satisfied: true });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    expect(await c.fired()).toEqual(['rectifyReminder']);
    expect(await c.notifications()).toEqual(['handover', 'remind-rectify', 'evaluator-feedback']);
    expectNoPersonalData((await c.outbox()).find((o) => o.payload.template === 'evaluator-feedback')!.body, '赵某');
  });

  test('late callback: 48 hours pass, 督办 to the team and the supervising department; rectification late too', async () => {
    const d = ctx.driver();
    await d.clock('2026-09-24T16:00:00+08:00'); // Thursday before 中秋 (9/25–9/27)
    const c = await d.start('siping', 'sipingBadReview', 'SP-002', vars('2026-09-24T16:00:00+08:00'));
    await d.clock('2026-09-28T09:00:00+08:00');
    expect(await c.fired()).toEqual(['callbackVerifyReminder', 'callbackVerifyOverdue']);
    expect((await c.outbox()).find((o) => o.payload.template === 'escalate-verify')!.recipients).toEqual([`group:${TEAM}`, `group:${SUPERVISION}`]);
    await c.complete('callbackVerify', genuine);
    // 9/24 + 15 = Friday 10/9, a working day.
    expect((await c.task('rectify')).dueAt).toBe(sh('2026-10-09 24:00'));
    await d.clock('2026-10-10T10:00:00+08:00');
    expect(await c.fired()).toEqual(['callbackVerifyReminder', 'callbackVerifyOverdue', 'rectifyReminder', 'rectifyOverdue']);
    await c.complete('rectify', { ...rectification, rectified: false, delayReason: '系统改造', plannedDate: '2026-10-30' });
    await c.complete('feedbackEvaluator', { satisfied: false, evaluatorOpinion: '希望尽快' });
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });

  test('mistaken → the centre contests in writing within 2 working days of receipt (across 端午) → upheld → not adopted (revoked)', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-18T10:00:00+08:00');
    const c = await d.start('siping', 'sipingBadReview', 'SP-003', vars('2026-06-18T09:00:00+08:00'));
    await c.complete('callbackVerify', { genuine: false, reason: '评价人称点错', realDemand: '无' });
    expect(await c.status()).toBe('appealing');
    const contest = await c.task('fileContest');
    // 2 working days from receipt on Thu 6/18: 6/19–6/21 off → Mon 6/22, Tue 6/23.
    expect(contest).toMatchObject({ candidateGroups: [UNIT], formKey: 'contest', dueAt: sh('2026-06-23 24:00') });
    expect((await c.timers()).fileContestReminder).toEqual([sh('2026-06-22 24:00')]);
    await d.clock('2026-06-22T10:00:00+08:00');
    await c.complete('fileContest', { applicant: '四平市政务服务中心', untrueKind: 'mistaken', appealReason: '评价人确认误操作' });
    expect((await c.task('decideContest')).candidateGroups).toEqual([SUPERVISION]);
    await c.complete('decideContest', { appealUpheld: true, decisionNote: '误评，不予采纳' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('revoked');
    expect(await c.notifications()).toEqual(['untrue-notice', 'contest', 'not-adopted']);
  });

  test('contest rejected → rectification within 15 days of receipt → archived', async () => {
    const d = ctx.driver();
    await d.clock('2026-11-02T10:00:00+08:00'); // Monday
    const c = await d.start('siping', 'sipingBadReview', 'SP-004', vars('2026-11-02T09:00:00+08:00'));
    await c.complete('callbackVerify', { genuine: false, reason: '单位认为恶意', realDemand: '无' });
    await c.complete('fileContest', { applicant: '四平市不动产登记中心', untrueKind: 'malicious', appealReason: '恶意评价' });
    await c.complete('decideContest', { appealUpheld: false, decisionNote: '评价有据，维持' });
    expect(await c.status()).toBe('rectifying');
    expect((await c.task('rectify')).dueAt).toBe(sh('2026-11-17 24:00')); // 11/2 + 15 = Tuesday 11/17
    await c.complete('rectify', rectification);
    await c.complete('feedbackEvaluator', { satisfied: true });
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });
});
