'use strict';
/**
 * 西双版纳州 (seed 003, 《西双版纳州政务服务“好差评”工作制度》2020): 反馈整改 and 复核纠正.
 *
 * The lead department (牵头部门) forwards the bad review within 2 working days; the rated department
 * (被评价部门) rectifies a simple case within 2 working days, a complex one within 15, both counted from
 * the forwarding; an extension of at most 2 working days needs the lead department's approval; the report
 * form (附件2) goes back within 2 working days of finishing; 州政务服务中心 calls back a random ≥20% of
 * rectified cases. A rated department may apply for review (附件3) within 5 working days of the
 * forwarding; the lead department decides within 5 working days.
 *
 * Anchor: the forwarding instant is the caseStatusAt that setStatus "rectifying" records right after the
 * forwarding (and again after a rejected review, when rectification starts over).
 * Sample: the process variable `sampled` (boolean) is passed at start by the intake, which draws the
 * ≥20% sample; a case started without it is not called back.
 */
const { Diagram } = require('./bpmn.cjs');
const { form, text, bool, F } = require('./forms.cjs');

const UNIT = '${environment.variables.unitId}';
const TO_UNIT = `unit:${UNIT}`;
const LEAD = '牵头部门';
const CENTRE = '州政务服务中心';
const M = 4; // main row
const C = 7.6; // complex-case row
const A = 1; // review (复核纠正) row

/** One rectification lane: rectify → extension requested? → approval → extended rectification. */
function lane(d, key, name, row, limit, extended) {
  const remindAt = `${limit - 1}wd from caseStatusAt`;
  d.user(`rectify${key}`, name, {
    groups: UNIT,
    form: 'rectification',
    due: `${limit}wd from caseStatusAt`,
    doc: `自转办之日起${limit}个工作日内完成整改；未能按时整改的，向牵头部门说明原因，经批准后延期，延期不超过2个工作日。`,
    remind: { duration: remindAt, template: 'remind-rectify', to: TO_UNIT },
    escalate: { duration: `${limit}wd from caseStatusAt`, template: 'escalate-rectify', to: `group:${LEAD},group:${CENTRE},${TO_UNIT}` },
  }, [8, row]);
  d.xor(`extension${key}`, '申请延期？', [9, row]);
  d.user(`approveExtension${key}`, '牵头部门审批延期申请', { groups: LEAD, form: 'extensionDecision' }, [10, row + 1.3]);
  d.xor(`extensionApproved${key}`, '批准延期？', [11, row + 1.3]);
  d.notify(`explainDelay${key}`, '向评价人做好解释工作', { template: 'evaluator-delay', to: 'evaluator', topic: 'sms' }, [12, row + 1.3]);
  d.user(`rectifyExtended${key}`, `延期整改（至原期限后2个工作日）`, {
    groups: UNIT,
    form: 'rectification',
    due: `${extended}wd from caseStatusAt`,
    doc: `延期不超过2个工作日：自转办之日起${extended}个工作日。`,
    remind: { duration: `${extended - 1}wd from caseStatusAt`, template: 'remind-rectify', to: TO_UNIT },
    escalate: { duration: `${extended}wd from caseStatusAt`, template: 'escalate-rectify', to: `group:${LEAD},group:${CENTRE},${TO_UNIT}` },
  }, [13, row + 1.3]);
  d.flow(`rectify${key}`, `extension${key}`);
  d.flow(`extension${key}`, `approveExtension${key}`, { when: 'extensionRequested', name: '申请延期' });
  d.flow(`approveExtension${key}`, `extensionApproved${key}`);
  d.flow(`extensionApproved${key}`, `explainDelay${key}`, { when: 'extensionApproved', name: '批准' });
  d.flow(`extensionApproved${key}`, `rectify${key}`, { isDefault: true, name: '不批准：按原期限整改', via: [[11, row + 2.1], [8, row + 2.1]] });
  d.flow(`explainDelay${key}`, `rectifyExtended${key}`);
  d.flow(`rectifyExtended${key}`, 'statusFeedback', { via: [[14, row + 1.3]] });
}

function badReview() {
  const d = new Diagram({
    id: 'xishuangbannaBadReview',
    county: 'xishuangbanna',
    name: '西双版纳州 差评反馈整改与复核纠正',
    documentation:
      '牵头部门2个工作日内把差评结果转给被评价部门；情况清楚、诉求合理的立行立改，2个工作日；情况复杂的15个工作日内完成整改；未能按时整改的经批准延期，不超过2个工作日；' +
      '整改完成后2个工作日内将《政务服务差评事项核查整改情况报告表》反馈牵头部门并报州政务服务中心；州政务服务中心随机抽取不低于20%回访调查。' +
      '被评价部门有异议的，自反馈之日起5个工作日内书面申请复核纠正，牵头部门5个工作日内复核，误评或恶意差评不予采纳并纠正。',
  });
  d.start('received', '收到差评结果', [0, M]);
  d.status('statusReceived', 'received', '状态：已接收', [1, M]);
  d.user('forward', '把差评结果转给被评价部门', {
    groups: LEAD,
    form: 'forward',
    due: '2wd from receivedAt',
    doc: '牵头部门及时梳理“好差评”情况，于2个工作日内把差评结果转给被评价部门进行调查处理。',
    remind: { duration: '1wd from receivedAt', template: 'remind-forward', to: `group:${LEAD}` },
    escalate: { duration: '2wd from receivedAt', template: 'escalate-forward', to: `group:${LEAD},group:${CENTRE}` },
  }, [2, M]);
  d.notify('forwardToUnit', '差评结果转被评价部门', { template: 'forward', to: TO_UNIT, topic: 'handover' }, [3, M]);
  d.status('statusRectifying', 'rectifying', '状态：核查整改（记录转办时间）', [4, M]);
  d.user('classify', '安排承办科室，确定整改类型或申请复核', {
    groups: UNIT,
    form: 'classify',
    doc: '按“谁办理、谁负责”原则安排具体承办科室；情况清楚、诉求合理的立行立改，情况复杂的15个工作日；对差评结果有异议的可申请复核纠正。',
  }, [5, M]);
  d.xor('wantsReview', '申请复核？', [6, M]);
  d.xor('isComplex', '情况复杂？', [7, M]);
  lane(d, 'Simple', '立行立改（2个工作日）', M, 2, 4);
  lane(d, 'Complex', '情况复杂的15个工作日内完成整改', C, 15, 17);
  d.status('statusFeedback', 'feedback', '状态：反馈评价人', [14, M]);
  d.notify('smsEvaluator', '通过“好差评”系统平台向差评投诉人反馈', { template: 'evaluator-feedback', to: 'evaluator', topic: 'sms' }, [15, M]);
  d.user('submitReportForm', '报送《政务服务差评事项核查整改情况报告表》', {
    groups: UNIT,
    form: 'reportForm',
    due: '2wd',
    doc: '整改完成后2个工作日内将报告表（附件2）反馈牵头部门，同时报州政务服务中心。',
    remind: { duration: '1wd', template: 'remind-report', to: TO_UNIT },
    escalate: { duration: '2wd', template: 'escalate-report', to: `group:${LEAD},group:${CENTRE},${TO_UNIT}` },
  }, [16, M]);
  d.notify('reportFormReceived', '报告表送牵头部门和州政务服务中心', { template: 'report-form', to: `group:${LEAD},group:${CENTRE}`, topic: 'report' }, [17, M]);
  d.xor('isSampled', '抽中回访（不低于20%）？', [18, M]);
  d.user('callbackSurvey', '州政务服务中心回访调查', { groups: CENTRE, form: 'callbackSurvey', doc: '随机抽取不低于20%的差评整改情况开展回访调查；抽样由受理时传入的 sampled 决定。' }, [19, M]);
  d.status('statusArchived', 'archived', '状态：已归档', [20, M]);
  d.end('archived', '已归档', [21, M]);

  d.chain('received', 'statusReceived', 'forward', 'forwardToUnit', 'statusRectifying', 'classify', 'wantsReview', ['isComplex', { when: 'genuine', name: '无异议' }], ['rectifySimple', { isDefault: true, name: '简单' }]);
  d.flow('isComplex', 'rectifyComplex', { when: 'complex', name: '复杂' });
  d.flow('extensionSimple', 'statusFeedback', { isDefault: true, name: '按期整改完毕' });
  d.flow('extensionComplex', 'statusFeedback', { isDefault: true, name: '按期整改完毕', via: [[14, C]] });
  d.chain('statusFeedback', 'smsEvaluator', 'submitReportForm', 'reportFormReceived', 'isSampled', ['callbackSurvey', { when: 'sampled', name: '抽中' }], 'statusArchived', 'archived');
  d.flow('isSampled', 'statusArchived', { isDefault: true, name: '未抽中', via: [[18, M - 0.7], [20, M - 0.7]] });

  // 复核纠正
  d.user('applyReview', '书面申请复核纠正（差评复核申请表）', {
    groups: UNIT,
    form: 'reviewApplication',
    due: '5wd from caseStatusAt',
    doc: '被评价部门对差评结果有异议的，自反馈之日起5个工作日内向牵头部门书面申请复核纠正（附件3）。',
    remind: { duration: '4wd from caseStatusAt', template: 'remind-revocation', to: TO_UNIT },
    escalate: { duration: '5wd from caseStatusAt', template: 'escalate-revocation', to: `group:${LEAD},${TO_UNIT}` },
  }, [7, A]);
  d.status('statusAppealing', 'appealing', '状态：复核纠正', [8, A]);
  d.user('decideReview', '牵头部门复核并反馈调查复核结果', {
    groups: LEAD,
    form: 'reviewDecision',
    due: '5wd',
    doc: '牵头部门在5个工作日内对差评内容进行复核，并向申请部门反馈调查复核结果；误评或恶意差评不予采纳并及时纠正。',
    remind: { duration: '4wd', template: 'remind-decision', to: `group:${LEAD}` },
    escalate: { duration: '5wd', template: 'escalate-decision', to: `group:${LEAD},group:${CENTRE}` },
  }, [9, A]);
  d.xor('isUpheld', '误评或恶意差评？', [10, A]);
  d.status('statusRevoked', 'revoked', '状态：不予采纳（已纠正）', [11, A]);
  d.notify('noticeCorrected', '反馈复核结果：不予采纳并纠正', { template: 'review-corrected', to: `${TO_UNIT},group:${CENTRE}`, topic: 'appeal' }, [12, A]);
  d.end('revoked', '差评已纠正', [13, A]);
  d.notify('noticeReviewRejected', '反馈复核结果：维持差评，转整改', { template: 'review-rejected', to: TO_UNIT, topic: 'appeal' }, [11, 2.45]);
  d.status('statusRectifyingAgain', 'rectifying', '状态：核查整改（复核后重新起算）', [12, 2.45]);

  d.flow('wantsReview', 'applyReview', { isDefault: true, name: '有异议' });
  d.chain('applyReview', 'statusAppealing', 'decideReview', 'isUpheld', ['statusRevoked', { when: 'appealUpheld', name: '是' }], 'noticeCorrected', 'revoked');
  d.flow('isUpheld', 'noticeReviewRejected', { isDefault: true, name: '否' });
  d.flow('noticeReviewRejected', 'statusRectifyingAgain');
  d.flow('statusRectifyingAgain', 'isComplex', { via: [[12, 3.3], [7, 3.3]] });
  return d;
}

const forms = {
  forward: form('转办差评结果', {
    forwardNote: text('转办说明', 1000),
  }, ['forwardNote']),
  classify: form('安排承办与整改类型', {
    handlingSection: text('具体承办科室', 100),
    genuine: bool('对差评结果无异议，核查整改', 'false: 有异议，申请复核纠正'),
    complex: bool('情况复杂、一时难以解决（15个工作日）；否则立行立改（2个工作日）'),
  }, ['handlingSection', 'genuine', 'complex']),
  rectification: form('核查整改', {
    investigation: F.investigation,
    measures: F.measures,
    extensionRequested: bool('未能按时整改，申请延期（须说明原因）'),
    delayReason: F.delayReason,
    evaluatorReplied: bool('已通过“好差评”系统平台向差评投诉人反馈或解释'),
  }, ['investigation', 'measures', 'extensionRequested']),
  extensionDecision: form('延期审批', {
    extensionApproved: bool('批准延期（不超过2个工作日）'),
    opinion: text('审批意见', 1000),
  }, ['extensionApproved', 'opinion']),
  reportForm: form('政务服务差评事项核查整改情况报告表（附件2）', {
    investigation: F.investigation,
    measures: F.measures,
    result: text('整改结果', 2000),
    feedbackToEvaluator: text('向差评投诉人反馈情况', 1000),
  }, ['investigation', 'measures', 'result', 'feedbackToEvaluator']),
  callbackSurvey: form('回访调查', {
    satisfied: F.satisfied,
    surveyNote: text('回访情况', 1000),
  }, ['satisfied']),
  reviewApplication: form('政务服务“差评”复核申请表（附件3）', {
    reviewMatter: text('复核事项', 500),
    untrueKind: F.untrueKind,
    appealReason: F.appealReason,
    unitOpinion: text('单位意见', 1000),
  }, ['reviewMatter', 'untrueKind', 'appealReason', 'unitOpinion'], '申请单位即被评价部门（unitName）；此表一式两份，牵头部门、申请部门各留存一份。'),
  reviewDecision: form('调查复核结果', {
    appealUpheld: bool('误评或恶意差评：不予采纳并纠正（false: 维持差评，转整改）'),
    decisionNote: F.decisionNote,
  }, ['appealUpheld', 'decisionNote']),
};

module.exports = { diagrams: [{ file: 'badReview.bpmn', diagram: badReview() }], forms };
