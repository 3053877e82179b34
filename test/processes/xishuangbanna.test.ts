/**
 * 西双版纳州 (seed 003): forwarding within 2 working days, simple (2 WD) or complex (15 WD) rectification
 * counted from the forwarding, extension of at most 2 WD with approval (granted and refused), the report
 * form within 2 WD, the ≥20% callback sample drawn by the drawSample service task (every month at least
 * the rate; a county's first draw of a month is always taken), and the review (复核纠正: apply within 5 WD
 * of the forwarding, decided within 5 WD) which runs alongside the rectification (二: 同时).
 * Office hours are the tenant.yaml default (close 17:30). Calendar: national + 西双版纳
 * (国庆 10/1–10/7 with 10/10 a make-up Saturday; 春节 2/15–2/23 with 2/14 and 2/28 make-up Saturdays;
 * 劳动节 5/1–5/5 with 5/9 a make-up Saturday). The prefecture's 2026 泼水节 is not in the calendar data
 * yet, so no date here falls in April.
 */
import { draw } from '../../src/cases/callback-sample';
import { Case, caseVariables, expectNoPersonalData, scenarioApp, sh } from './support';

const ctx = scenarioApp();
const UNIT = 'xsbn-scjg';
const LEAD = '牵头部门';
const CENTRE = '州政务服务中心';
const vars = (receivedAt: string, over: Record<string, unknown> = {}) =>
  caseVariables({ caseId: 'xsbn-case', receivedAt, unitId: UNIT, unitName: '西双版纳州市场监督管理局', serviceName: '食品生产许可', staffName: '岩某', ...over });

const done = { investigation: '属实', measures: '已当场补办并致歉', extensionRequested: false, evaluatorReplied: true };
const reportForm = { investigation: '属实', measures: '补办、致歉', result: '已办结', feedbackToEvaluator: '已通过系统平台反馈' };

/** After the report form: the draw decided; a drawn case waits for the callback survey. */
async function finishSample(c: Case): Promise<boolean> {
  const sampled = (await c.variables()).sampled;
  expect(typeof sampled).toBe('boolean');
  if (sampled) await c.complete('callbackSurvey', { satisfied: true });
  return sampled;
}

describe('西双版纳州 反馈整改', () => {
  test('simple case on time across National Day, report form, sampled for the callback survey, archived', async () => {
    const d = ctx.driver();
    // Tuesday 29 September 2026, 10:00.
    await d.clock('2026-09-29T10:00:00+08:00');
    const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', 'XSBN-001', vars('2026-09-29T09:30:00+08:00'));
    expect(await c.status()).toBe('received');
    const forward = await c.task('forward');
    // 2 working days from receipt: Wed 9/30, then 10/1–10/7 off, Thu 10/8.
    expect(forward).toMatchObject({ candidateGroups: [LEAD], formKey: 'forward', dueAt: sh('2026-10-08 17:30') });
    await d.clock('2026-09-30T16:00:00+08:00');
    await c.complete('forward', { forwardNote: '请核查整改' });
    expect(await c.status()).toBe('rectifying');
    expect((await c.variables()).caseStatusAt).toBe(sh('2026-09-30 16:00'));
    const classify = await c.task('classify');
    expect(classify.candidateGroups).toEqual([UNIT]);
    await d.clock('2026-09-30T17:00:00+08:00');
    await c.complete('classify', { handlingSection: '食品生产科', reviewRequested: false, complex: false });
    const rectify = await c.task('rectifySimple');
    // 2 working days from the forwarding (9/30): 10/8, 10/9.
    expect(rectify).toMatchObject({ candidateGroups: [UNIT], dueAt: sh('2026-10-09 17:30') });
    expect((await c.timers()).rectifySimpleReminder).toEqual([sh('2026-10-08 17:30')]);
    await d.clock('2026-10-09T10:00:00+08:00');
    expect(await c.fired()).toEqual(['rectifySimpleReminder']); // the forwarding was done before its reminder
    await c.complete('rectifySimple', done);
    expect(await c.status()).toBe('feedback');
    const report = await c.task('submitReportForm');
    // 2 working days from finishing on Fri 10/9: Sat 10/10 (make-up), Mon 10/12.
    expect(report).toMatchObject({ candidateGroups: [UNIT], formKey: 'reportForm', dueAt: sh('2026-10-12 17:30') });
    await c.complete('submitReportForm', reportForm);
    const survey = await c.task('callbackSurvey');
    expect(survey.candidateGroups).toEqual([CENTRE]);
    await c.complete('callbackSurvey', { satisfied: true });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    expect(await c.notifications()).toEqual(['forward', 'remind-rectify', 'evaluator-feedback', 'report-form']);
    const out = await c.outbox();
    expect(out.find((o) => o.payload.template === 'report-form')!.recipients).toEqual([`group:${LEAD}`, `group:${CENTRE}`]);
    expectNoPersonalData(out.find((o) => o.payload.template === 'evaluator-feedback')!.body, '岩某');
  });

  test('complex case across Spring Festival: 15 working days, extension granted (17 working days), evaluator told of the delay; the first draw of March is taken', async () => {
    const d = ctx.driver();
    // Monday 9 February 2026.
    await d.clock('2026-02-09T09:30:00+08:00');
    const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', 'XSBN-002', vars('2026-02-09T09:00:00+08:00'));
    await d.clock('2026-02-09T10:00:00+08:00');
    await c.complete('forward', { forwardNote: '情况复杂' });
    await c.complete('classify', { handlingSection: '许可科', reviewRequested: false, complex: true });
    const rectify = await c.task('rectifyComplex');
    // 15 working days from Mon 2/9: 2/10–2/13 (4), Sat 2/14 (5), 2/15–2/23 off, 2/24–2/27 (9), Sat 2/28 (10),
    // 3/2–3/6 (15) → Friday 6 March.
    expect(rectify).toMatchObject({ candidateGroups: [UNIT], dueAt: sh('2026-03-06 17:30') });
    expect((await c.timers()).rectifyComplexReminder).toEqual([sh('2026-03-05 17:30')]);
    await d.clock('2026-03-05T15:00:00+08:00');
    await c.complete('rectifyComplex', { investigation: '需更换设备', measures: '采购设备', extensionRequested: true, delayReason: '设备到货延迟' });
    const approve = await c.task('approveExtensionComplex');
    expect(approve.candidateGroups).toEqual([LEAD]);
    await c.complete('approveExtensionComplex', { extensionApproved: true, opinion: '同意延期2个工作日' });
    const extended = await c.task('rectifyExtendedComplex');
    // At most 2 working days beyond the original limit: 17 working days from 2/9 → Tue 10 March.
    expect(extended).toMatchObject({ candidateGroups: [UNIT], dueAt: sh('2026-03-10 17:30') });
    await d.clock('2026-03-10T11:00:00+08:00');
    await c.complete('rectifyExtendedComplex', done);
    await c.complete('submitReportForm', reportForm);
    expect(await c.open()).toEqual(['callbackSurvey']); // the county's first draw of March 2026: the floor takes it
    await c.complete('callbackSurvey', { satisfied: true });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('archived');
    const templates = await c.notifications();
    expect(templates).toEqual(['forward', 'evaluator-delay', 'remind-rectify', 'evaluator-feedback', 'report-form']);
    expect(await c.fired()).toEqual(['rectifyExtendedComplexReminder']);
    const delay = (await c.outbox()).find((o) => o.payload.template === 'evaluator-delay')!;
    expect(delay.recipients).toEqual(['evaluator']);
    expectNoPersonalData(delay.body, '岩某');
  });

  test('extension refused: back to the original limit, which passes; 督办 fires and the unit finishes late', async () => {
    const d = ctx.driver();
    await d.clock('2026-06-01T09:00:00+08:00'); // Monday
    const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', 'XSBN-003', vars('2026-06-01T08:30:00+08:00'));
    await c.complete('forward', { forwardNote: '请整改' });
    await c.complete('classify', { handlingSection: '许可科', reviewRequested: false, complex: false });
    expect((await c.task('rectifySimple')).dueAt).toBe(sh('2026-06-03 17:30'));
    await d.clock('2026-06-03T10:00:00+08:00');
    await c.complete('rectifySimple', { investigation: '属实', measures: '待定', extensionRequested: true, delayReason: '人手不足' });
    await c.complete('approveExtensionSimple', { extensionApproved: false, opinion: '理由不充分，按原期限完成' });
    const again = await c.task('rectifySimple');
    expect(again.dueAt).toBe(sh('2026-06-03 17:30')); // the original limit stands
    await d.clock('2026-06-04T09:00:00+08:00');
    expect(await c.fired()).toEqual(['rectifySimpleReminder', 'rectifySimpleReminder', 'rectifySimpleOverdue']);
    const esc = (await c.outbox()).find((o) => o.payload.template === 'escalate-rectify')!;
    expect(esc.recipients).toEqual([`group:${LEAD}`, `group:${CENTRE}`, `unit:${UNIT}`]);
    await c.complete('rectifySimple', done);
    await c.complete('submitReportForm', reportForm);
    await finishSample(c);
    expect((await c.instance()).variables.caseStatus).toBe('archived');
  });
});

describe('西双版纳州 复核纠正 (alongside the rectification)', () => {
  test('the unit applies within 5 working days of the forwarding (across 劳动节) while it rectifies; upheld → corrected (revoked), the rectification ends with it', async () => {
    const d = ctx.driver();
    // Thursday 30 April 2026; 5/1–5/5 off, Saturday 5/9 a make-up working day.
    await d.clock('2026-04-30T10:00:00+08:00');
    const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', 'XSBN-004', vars('2026-04-30T09:00:00+08:00'));
    await d.clock('2026-04-30T11:00:00+08:00');
    await c.complete('forward', { forwardNote: '请核查' });
    await c.complete('classify', { handlingSection: '综合科', reviewRequested: true, complex: false });
    // Both at once (seed 003 二: 组织整改，同时可申请复核).
    expect(await c.open()).toEqual(['applyReview', 'rectifySimple']);
    const apply = await c.task('applyReview');
    // 5 working days from the forwarding on 4/30: 5/6, 5/7, 5/8, Sat 5/9, Mon 5/11.
    expect(apply).toMatchObject({ candidateGroups: [UNIT], formKey: 'reviewApplication', dueAt: sh('2026-05-11 17:30') });
    expect((await c.task('rectifySimple')).dueAt).toBe(sh('2026-05-07 17:30')); // 5/6, 5/7
    await d.clock('2026-05-07T10:00:00+08:00');
    await c.complete('applyReview', { reviewMatter: '差评办件 XSBN-004', untrueKind: 'mistaken', appealReason: '评价人误评，已书面确认', unitOpinion: '申请撤销' });
    expect(await c.status()).toBe('rectifying'); // the review does not suspend the rectification
    const decide = await c.task('decideReview');
    // 5 working days from the application (Thu 5/7): 5/8, Sat 5/9, 5/11, 5/12, 5/13.
    expect(decide).toMatchObject({ candidateGroups: [LEAD], formKey: 'reviewDecision', dueAt: sh('2026-05-13 17:30') });
    expect((await c.timers()).decideReviewReminder).toEqual([sh('2026-05-12 17:30')]);
    await c.complete('decideReview', { appealUpheld: true, decisionNote: '属误评，不予采纳并纠正' });
    const inst = await c.instance();
    expect(inst.status).toBe('completed');
    expect(inst.variables.caseStatus).toBe('revoked');
    expect(await c.open()).toEqual([]);
    expect((await c.tasks('cancelled')).map((t) => t.elementId)).toEqual(['rectifySimple']);
    expect(await c.notifications()).toEqual(['forward', 'remind-rectify', 'review-corrected']);
  });

  test('a review rejected on day 5 of its window leaves the original rectification deadline in force', async () => {
    const d = ctx.driver();
    await d.clock('2026-07-01T09:00:00+08:00'); // Wednesday
    const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', 'XSBN-005', vars('2026-07-01T08:00:00+08:00'));
    await c.complete('forward', { forwardNote: '请核查' });
    await c.complete('classify', { handlingSection: '综合科', reviewRequested: true, complex: true });
    const rectify = await c.task('rectifyComplex');
    // 15 working days from the forwarding (Wed 7/1): 7/2 … 7/22.
    expect(rectify.dueAt).toBe(sh('2026-07-22 17:30'));
    expect((await c.task('applyReview')).dueAt).toBe(sh('2026-07-08 17:30'));
    await d.clock('2026-07-07T10:00:00+08:00');
    await c.complete('applyReview', { reviewMatter: 'XSBN-005', untrueKind: 'malicious', appealReason: '恶意差评', unitOpinion: '申请复核' });
    await d.clock('2026-07-08T15:00:00+08:00'); // day 5 of the review window
    await c.complete('decideReview', { appealUpheld: false, decisionNote: '证据不足，维持差评' });
    expect(await c.status()).toBe('rectifying');
    const still = await c.task('rectifyComplex');
    expect(still).toMatchObject({ id: rectify.id, dueAt: sh('2026-07-22 17:30') }); // the same task, the same limit
    expect((await c.variables()).caseStatusAt).toBe(sh('2026-07-01 09:00'));
    await d.clock('2026-07-20T11:00:00+08:00');
    await c.complete('rectifyComplex', done);
    await c.complete('submitReportForm', reportForm);
    await finishSample(c);
    expect((await c.instance()).variables.caseStatus).toBe('archived');
    const n = await c.notifications();
    expect(n.slice(0, 2)).toEqual(['forward', 'review-rejected']);
    expect(n.filter((t) => t === 'remind-rectify')).toEqual([]); // the 14th working day (7/21) never came
    expect((await c.outbox()).find((o) => o.payload.template === 'review-rejected')!.body).toContain('原整改期限不变');
  });

  test('the review window lapses (5 working days, nothing filed): the lateness is recorded, the review branch closes; the case archived on its own path', async () => {
    const d = ctx.driver();
    await d.clock('2026-08-03T09:00:00+08:00'); // Monday
    const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', 'XSBN-006', vars('2026-08-03T08:30:00+08:00'));
    await c.complete('forward', { forwardNote: '请核查' });
    await c.complete('classify', { handlingSection: '综合科', reviewRequested: true, complex: false });
    expect((await c.task('applyReview')).dueAt).toBe(sh('2026-08-10 17:30'));
    await d.clock('2026-08-04T10:00:00+08:00');
    await c.complete('rectifySimple', done);
    await c.complete('submitReportForm', reportForm);
    await finishSample(c);
    // Rectified, reported and archived; the review window is still open, so the instance runs on.
    expect(await c.open()).toEqual(['applyReview']);
    expect(await c.instance()).toMatchObject({ status: 'running', variables: { caseStatus: 'archived' } });
    await d.clock('2026-08-11T09:00:00+08:00');
    expect(await c.open()).toEqual([]);
    expect(await c.instance()).toMatchObject({ status: 'completed', variables: { caseStatus: 'archived' } });
    expect(await c.fired()).toEqual(['applyReviewReminder', 'applyReviewOverdue']);
    const fired = (await c.history()).find((e) => e.type === 'timer.fired' && e.elementId === 'applyReviewOverdue')!;
    expect(fired.data).toBeTruthy();
    expect((await c.timers()).applyReviewOverdue).toEqual([sh('2026-08-10 17:30')]);
    expect((await c.tasks('cancelled')).map((t) => t.elementId)).toEqual(['applyReview']);
    const lapsed = (await c.outbox()).find((o) => o.payload.template === 'review-lapsed')!;
    expect(lapsed.recipients).toEqual([`group:${LEAD}`, `unit:${UNIT}`]);
  });
});

describe('西双版纳州 calendar: 泼水节 2026 not loaded', () => {
  test('a deadline in April 2026 is provisional, and /health names the missing regional year', async () => {
    const d = ctx.driver();
    await d.clock('2026-04-08T10:00:00+08:00'); // Wednesday
    const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', 'XSBN-P-1', vars('2026-04-08T09:00:00+08:00'));
    // 2 working days as far as is known (4/9, 4/10), but the prefecture's own days off for 2026 are missing.
    expect(await c.task('forward')).toMatchObject({ dueAt: sh('2026-04-10 17:30'), dueProvisional: true });
    const health = await d.api.get('/health');
    expect(health.body.calendar.warnings).toContain('xishuangbanna 2026 not loaded (xishuangbanna)');
    expect(health.body.calendar.warnings).not.toContain('national 2026 not loaded');
  });
});

describe('西双版纳州 回访抽查 (seed 003 一(二)4: 随机抽取不低于20%)', () => {
  test('40 rectified cases over two months: in each month, after every draw, at least 20 % drawn; drawn cases get the callback survey', async () => {
    const d = ctx.driver();
    // 25 and 15 cases: enough draws for the floor to bind many times in each month (every fifth case at
    // the latest), at a fraction of the steps of a hundred.
    const months: Array<[string, number]> = [['2026-11-10T10:00:00+08:00', 25], ['2026-12-10T10:00:00+08:00', 15]];
    let total = 0;
    let drawn = 0;
    for (const [at, count] of months) {
      await d.clock(at);
      let sampledInMonth = 0;
      const pattern: boolean[] = [];
      for (let n = 1; n <= count; n++) {
        const c = await d.start('xishuangbanna', 'xishuangbannaBadReview', `XSBN-S-${at.slice(0, 7)}-${n}`, vars(at));
        await c.complete('forward', { forwardNote: '请整改' });
        await c.complete('classify', { handlingSection: '综合科', reviewRequested: false, complex: false });
        await c.complete('rectifySimple', done);
        await c.complete('submitReportForm', reportForm);
        const sampled = (await c.variables()).sampled as boolean;
        expect(await c.open()).toEqual(sampled ? ['callbackSurvey'] : []);
        if (sampled) await c.complete('callbackSurvey', { satisfied: true });
        expect((await c.instance()).variables.caseStatus).toBe('archived');
        pattern.push(sampled);
        if (sampled) sampledInMonth++;
        // The floor holds at every moment of the month, so whatever the month's last case is.
        expect(sampledInMonth).toBeGreaterThanOrEqual(Math.ceil(0.2 * n - 1e-9));
      }
      expect(pattern[0]).toBe(true); // the first of a month is always drawn
      total += count;
      drawn += sampledInMonth;
    }
    expect(total).toBe(40);
    expect(drawn).toBeGreaterThanOrEqual(8);
    // The counter rows agree with the cases, month by month.
    const rows = await ctx.get().core.db.knex('callback_sample_months').where({ county_id: 'xishuangbanna' }).whereIn('month', ['2026-11', '2026-12']).orderBy('month');
    expect(rows.map((r: any) => [r.month, Number(r.drawn)])).toEqual([['2026-11', 25], ['2026-12', 15]]);
    expect(rows.reduce((a: number, r: any) => a + Number(r.sampled), 0)).toBe(drawn);
  }, 300_000); // 40 whole cases, about 240 steps

  test('the draw: the floor of the month forces a draw, a chance above the rate does not; a draw written twice for one execution counts once', async () => {
    expect(draw(0.2, { drawn: 0, sampled: 0 }, 0.99)).toEqual({ sampled: true, forced: true, seq: 1 });
    expect(draw(0.2, { drawn: 1, sampled: 1 }, 0.5)).toEqual({ sampled: false, forced: false, seq: 2 });
    expect(draw(0.2, { drawn: 1, sampled: 1 }, 0.1)).toEqual({ sampled: true, forced: false, seq: 2 });
    expect(draw(0.2, { drawn: 5, sampled: 1 }, 0.99)).toEqual({ sampled: true, forced: true, seq: 6 });

    const core = ctx.get().core;
    const service = core.services.get('drawSample')!;
    const ctxOf = (instanceId: string) => ({ countyId: 'xishuangbanna', instanceId, businessKey: 'K', now: new Date('2031-01-05T02:00:00Z') });
    await core.db.knex.transaction(async (trx) => {
      const prepared = await service.prepare!(trx, { ...ctxOf('00000000-0000-4000-8000-000000000001'), elementId: 'drawSample', executionId: 'drawSample_1' });
      expect(prepared).toEqual({ month: '2031-01', drawn: 0, sampled: 0 });
      const effect = { month: '2031-01', rate: 0.2, executionId: 'drawSample_1', ...draw(0.2, prepared as { drawn: number; sampled: number }, 0.99) };
      await service.persist!(trx, effect, ctxOf('00000000-0000-4000-8000-000000000001'));
      await service.persist!(trx, effect, ctxOf('00000000-0000-4000-8000-000000000001'));
    });
    const row = await core.db.knex('callback_sample_months').where({ county_id: 'xishuangbanna', month: '2031-01' }).first();
    expect([Number(row.drawn), Number(row.sampled)]).toEqual([1, 1]);
  });

});
