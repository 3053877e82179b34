/**
 * 四平市 (seed 004, DB2203/T 8—2024 8.1, 9.2, 9.3): callback and verification within 48 hours (elapsed),
 * rectification within 15 days (natural days), contest in writing within 2 working days of receipt,
 * groundless or malicious reviews not adopted. The contest window (9.3) opens at receipt, alongside the
 * callback, for genuine cases too; a window that lapses is recorded and closes. A unit that cannot rectify
 * in time gives a reason and a date: the evaluator is told so, and a reminder and 督办 follow the date.
 * Calendar: national (端午 6/19–6/21); office hours close 17:30 (tenant.yaml default).
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
  test('genuine, on time across 端午: 48 hours, 15 days, feedback, archived; the contest window lapses unused and is recorded', async () => {
    const d = ctx.driver();
    // Thursday 18 June 2026, 10:00; 6/19–6/21 are 端午 days off.
    await d.clock('2026-06-18T10:00:00+08:00');
    const c = await d.start('siping', 'sipingBadReview', 'SP-001', vars('2026-06-18T10:00:00+08:00'));
    expect(await c.status()).toBe('verifying');
    expect(await c.open()).toEqual(['callbackVerify', 'fileContest']);
    const verify = await c.task('callbackVerify');
    expect(verify).toMatchObject({ candidateGroups: [TEAM], formKey: 'verification', dueAt: sh('2026-06-20 10:00') });
    expect((await c.timers()).callbackVerifyReminder).toEqual([sh('2026-06-20 02:00')]);
    // 2 working days from receipt: Mon 6/22, Tue 6/23.
    expect((await c.task('fileContest')).dueAt).toBe(sh('2026-06-23 17:30'));
    await d.clock('2026-06-18T15:00:00+08:00');
    await c.complete('callbackVerify', genuine);
    const rectify = await c.task('rectify');
    // 6/18 + 15 days = Friday 7/3, a working day, at close of business.
    expect(rectify).toMatchObject({ candidateGroups: [UNIT], dueAt: sh('2026-07-03 17:30') });
    expect((await c.timers()).rectifyReminder).toEqual([sh('2026-07-01 10:00')]);
    await d.clock('2026-07-02T09:00:00+08:00');
    // The window closed on 6/23 at 17:30 with nothing filed: recorded, the contest branch ended.
    expect(await c.fired()).toEqual(['fileContestReminder', 'fileContestOverdue', 'rectifyReminder']);
    expect((await c.timers()).fileContestOverdue).toEqual([sh('2026-06-23 17:30')]);
    expect((await c.tasks('cancelled')).map((t) => t.elementId)).toEqual(['fileContest']);
    await c.complete('rectify', rectification);
    expect(await c.status()).toBe('feedback');
    expect((await c.task('feedbackEvaluator')).candidateGroups).toEqual([TEAM]);
    await c.complete('feedbackEvaluator', { satisfied: true });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    expect(await c.notifications()).toEqual(['contest-window', 'handover', 'remind-revocation', 'contest-lapsed', 'remind-rectify', 'evaluator-feedback']);
    const feedback = (await c.outbox()).find((o) => o.payload.template === 'evaluator-feedback')!.body;
    expect(feedback).toContain('已完成整改');
    expectNoPersonalData(feedback, '赵某');
  });

  test('not rectified in time: a reason and a date are required; the evaluator is told the truth; reminder and 督办 follow the promised date', async () => {
    const d = ctx.driver();
    await d.clock('2026-09-24T16:00:00+08:00'); // Thursday before 中秋 (9/25–9/27)
    const c = await d.start('siping', 'sipingBadReview', 'SP-002', vars('2026-09-24T16:00:00+08:00'));
    await d.clock('2026-09-28T09:00:00+08:00');
    expect(await c.fired()).toEqual(['callbackVerifyReminder', 'callbackVerifyOverdue']);
    expect((await c.outbox()).find((o) => o.payload.template === 'escalate-verify')!.recipients).toEqual([`group:${TEAM}`, `group:${SUPERVISION}`]);
    await c.complete('callbackVerify', genuine);
    // 9/24 + 15 = Friday 10/9, a working day.
    expect((await c.task('rectify')).dueAt).toBe(sh('2026-10-09 17:30'));
    await d.clock('2026-10-10T10:00:00+08:00');
    const t = await c.task('rectify');
    const bare = await d.api.post(`/api/v1/tasks/${t.id}/complete`, { variables: { ...rectification, rectified: false } });
    expect(bare.status).toBe(400);
    expect(bare.body.details).toEqual(expect.arrayContaining([{ field: 'delayReason', reason: 'is required' }, { field: 'plannedDate', reason: 'is required' }]));
    await c.complete('rectify', { ...rectification, rectified: false, delayReason: '系统改造', plannedDate: '2026-10-30' });
    expect(await c.open()).toEqual(['rectifyByPromise']); // no feedback of a rectification that did not happen
    const promise = (await c.outbox()).find((o) => o.payload.template === 'evaluator-promise')!;
    expect(promise.recipients).toEqual(['evaluator']);
    expect(promise.body).toContain('暂未能完成整改');
    expect(promise.body).toContain('2026-10-30');
    expect(promise.body).not.toContain('已完成整改');
    expect((await c.task('rectifyByPromise'))).toMatchObject({ candidateGroups: [UNIT], dueAt: sh('2026-10-30 17:30') });
    expect((await c.timers()).rectifyByPromiseReminder).toEqual([sh('2026-10-30 08:30')]);
    await d.clock('2026-10-30T09:00:00+08:00');
    expect((await c.fired()).slice(-1)).toEqual(['rectifyByPromiseReminder']);
    await d.clock('2026-11-02T09:00:00+08:00');
    expect((await c.fired()).slice(-1)).toEqual(['rectifyByPromiseOverdue']);
    expect((await c.outbox()).find((o) => o.payload.template === 'escalate-promise')!.recipients).toEqual([`group:${TEAM}`, `unit:${UNIT}`]);
    await c.complete('rectifyByPromise', { ...rectification, rectified: true });
    await c.complete('feedbackEvaluator', { satisfied: false, evaluatorOpinion: '希望尽快' });
    expect((await c.instance()).variables.caseStatus).toBe('archived');
    expect((await c.notifications()).filter((n) => n.startsWith('evaluator-'))).toEqual(['evaluator-promise', 'evaluator-feedback']);
  });

  test('the callback finds it mistaken → the supervising department decides: not adopted (revoked), the open contest window closes with it', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-18T10:00:00+08:00');
    const c = await d.start('siping', 'sipingBadReview', 'SP-003', vars('2026-06-18T09:00:00+08:00'));
    await c.complete('callbackVerify', { genuine: false, reason: '评价人称点错', realDemand: '无' });
    expect(await c.status()).toBe('appealing');
    expect((await c.task('decideUntrue')).candidateGroups).toEqual([SUPERVISION]);
    await c.complete('decideUntrue', { appealUpheld: true, decisionNote: '误评，不予采纳' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('revoked');
    expect((await c.tasks('cancelled')).map((x) => x.elementId)).toEqual(['fileContest']);
    expect(await c.notifications()).toEqual(['contest-window', 'not-adopted-finding']);
  });

  test('a genuine case contested on day 2 (9.3) is decided: upheld → not adopted, the rectification ends', async () => {
    const d = ctx.driver();
    await d.clock('2026-11-02T10:00:00+08:00'); // Monday
    const c = await d.start('siping', 'sipingBadReview', 'SP-004', vars('2026-11-02T09:00:00+08:00'));
    await c.complete('callbackVerify', genuine);
    expect(await c.open()).toEqual(['fileContest', 'rectify']);
    expect((await c.task('fileContest')).dueAt).toBe(sh('2026-11-04 17:30')); // 11/3, 11/4
    await d.clock('2026-11-04T16:00:00+08:00'); // working day 2
    await c.complete('fileContest', { applicant: '四平市不动产登记中心', untrueKind: 'malicious', appealReason: '评价人此前多次恶意差评，有视频为证' });
    expect((await c.task('decideContest')).candidateGroups).toEqual([SUPERVISION]);
    await c.complete('decideContest', { appealUpheld: true, decisionNote: '恶意评价，不予采纳' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('revoked');
    expect((await c.tasks('cancelled')).map((x) => x.elementId)).toEqual(['rectify']);
    expect(await c.notifications()).toEqual(['contest-window', 'handover', 'remind-revocation', 'contest', 'not-adopted']);
  });

  test('a genuine case contested and the contest rejected: rectification goes on to its original limit → archived', async () => {
    const d = ctx.driver();
    await d.clock('2026-11-02T10:00:00+08:00');
    const c = await d.start('siping', 'sipingBadReview', 'SP-005', vars('2026-11-02T09:00:00+08:00'));
    await c.complete('callbackVerify', genuine);
    const rectify = await c.task('rectify');
    expect(rectify.dueAt).toBe(sh('2026-11-17 17:30')); // 11/2 + 15 = Tuesday 11/17
    await c.complete('fileContest', { applicant: '四平市不动产登记中心', untrueKind: 'malicious', appealReason: '恶意评价' });
    await c.complete('decideContest', { appealUpheld: false, decisionNote: '评价有据，维持' });
    expect(await c.status()).toBe('rectifying');
    expect(await c.task('rectify')).toMatchObject({ id: rectify.id, dueAt: sh('2026-11-17 17:30') });
    await c.complete('rectify', rectification);
    await c.complete('feedbackEvaluator', { satisfied: true });
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });

  test('the callback finds it mistaken but the department disagrees → rectification', async () => {
    const d = ctx.driver();
    await d.clock('2026-12-01T10:00:00+08:00');
    const c = await d.start('siping', 'sipingBadReview', 'SP-006', vars('2026-12-01T09:00:00+08:00'));
    await c.complete('callbackVerify', { genuine: false, reason: '单位认为恶意', realDemand: '无' });
    await c.complete('decideUntrue', { appealUpheld: false, decisionNote: '评价有据，维持差评' });
    expect(await c.status()).toBe('rectifying');
    expect((await c.task('rectify')).dueAt).toBe(sh('2026-12-16 17:30')); // 12/1 + 15
  });
});
