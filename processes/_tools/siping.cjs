'use strict';
/**
 * 四平市 (seed 004, DB2203/T 8—2024 政务服务“好差评”工作规范, extract): a dedicated team calls back and
 * verifies a bad review within 48 hours and it is rectified within 15 days (8.1); groundless or malicious
 * reviews are not adopted (9.2); a service centre or staff member may contest a bad review in writing to
 * the supervising department within 2 working days of receiving it (9.3).
 */
const { Diagram } = require('./bpmn.cjs');
const { form, text, bool, F } = require('./forms.cjs');

const UNIT = '${environment.variables.unitId}';
const TO_UNIT = `unit:${UNIT}`;
const TEAM = '回访核实专班';
const SUPERVISION = '政务服务监督管理部门';

function badReview() {
  const d = new Diagram({
    id: 'sipingBadReview',
    county: 'siping',
    name: '四平市 差评回访核实、整改与复核（DB2203/T 8—2024）',
    documentation:
      '8.1 组建专门队伍在48h内开展差评回访核实，15d内进行整改；9.2 核实为误评或恶意评价的，评价结果不予采纳；' +
      '9.3 政务服务中心或工作人员对“差评”有异议的，自收到“差评”2个工作日内向政务服务监督管理部门书面申请复核。各时限自收到差评起算。',
  });
  d.start('received', '收到差评', [0, 1]);
  d.status('statusVerifying', 'verifying', '状态：回访核实', [1, 1]);
  d.user('callbackVerify', '48小时内开展差评回访核实', {
    groups: TEAM,
    form: 'verification',
    due: '48h from receivedAt',
    remind: { duration: '40h from receivedAt', template: 'remind-verify', to: `group:${TEAM}` },
    escalate: { duration: '48h from receivedAt', template: 'escalate-verify', to: `group:${TEAM},group:${SUPERVISION}` },
  }, [2, 1]);
  d.xor('isGenuine', '核实为差评？', [3, 1]);
  d.notify('handOver', '转办整改', { template: 'handover', to: TO_UNIT, topic: 'handover' }, [4, 1]);
  d.status('statusRectifying', 'rectifying', '状态：整改中', [5, 1]);
  d.user('rectify', '15日内进行整改', {
    groups: UNIT,
    form: 'rectification',
    due: '15d from receivedAt',
    doc: '8.1：15d内进行整改（自收到差评起算，自然日；末日为休息日的顺延至休息日后第一个工作日）。',
    remind: { duration: 'P13D from receivedAt', template: 'remind-rectify', to: TO_UNIT },
    escalate: { duration: '15d from receivedAt', template: 'escalate-rectify', to: `group:${SUPERVISION},${TO_UNIT}` },
  }, [6, 1]);
  d.status('statusFeedback', 'feedback', '状态：反馈评价人', [7, 1]);
  d.user('feedbackEvaluator', '向评价人反馈整改结果', { groups: TEAM, form: 'callback' }, [8, 1]);
  d.notify('smsEvaluator', '短信告知评价人整改结果', { template: 'evaluator-feedback', to: 'evaluator', topic: 'sms' }, [9, 1]);
  d.status('statusArchived', 'archived', '状态：已归档', [10, 1]);
  d.end('archived', '已归档', [11, 1]);
  d.chain('received', 'statusVerifying', 'callbackVerify', 'isGenuine', ['handOver', { when: 'genuine', name: '差评属实' }], 'statusRectifying', 'rectify', 'statusFeedback', 'feedbackEvaluator', 'smsEvaluator', 'statusArchived', 'archived');

  // 9.2 / 9.3: contest
  const r = 4;
  d.status('statusAppealing', 'appealing', '状态：复核', [4, r]);
  d.notify('noticeUntrue', '告知被评价单位可书面申请复核', { template: 'untrue-notice', to: TO_UNIT, topic: 'untrue' }, [5, r]);
  d.user('fileContest', '书面申请“差评”复核', {
    groups: UNIT,
    form: 'contest',
    due: '2wd from receivedAt',
    doc: '9.3：自收到“差评”2个工作日内向政务服务监督管理部门书面申请。',
    remind: { duration: '1wd from receivedAt', template: 'remind-revocation', to: TO_UNIT },
    escalate: { duration: '2wd from receivedAt', template: 'escalate-revocation', to: `group:${SUPERVISION},${TO_UNIT}` },
  }, [6, r]);
  d.notify('contestToSupervision', '复核申请送政务服务监督管理部门', { template: 'contest', to: `group:${SUPERVISION}`, topic: 'appeal' }, [7, r]);
  d.user('decideContest', '差评复核：误评或恶意评价不予采纳', { groups: SUPERVISION, form: 'contestDecision', doc: '标准未规定复核时限。' }, [8, r]);
  d.xor('isUpheld', '误评或恶意评价？', [9, r]);
  d.status('statusRevoked', 'revoked', '状态：不予采纳', [10, r]);
  d.notify('noticeNotAdopted', '告知被评价单位：评价结果不予采纳', { template: 'not-adopted', to: `${TO_UNIT},group:${TEAM}`, topic: 'appeal' }, [11, r]);
  d.end('revoked', '评价结果不予采纳', [12, r]);
  d.flow('isGenuine', 'statusAppealing', { isDefault: true, name: '疑似误评、恶意评价' });
  d.chain('statusAppealing', 'noticeUntrue', 'fileContest', 'contestToSupervision', 'decideContest', 'isUpheld', ['statusRevoked', { when: 'appealUpheld', name: '是' }], 'noticeNotAdopted', 'revoked');
  d.flow('isUpheld', 'handOver', { isDefault: true, name: '维持差评：转整改', via: [[9, 3.4], [4, 3.4]] });
  return d;
}

const forms = {
  verification: form('差评回访核实', {
    genuine: bool('核实为差评', 'false: 疑似误评或恶意评价，被评价单位可书面申请复核'),
    reason: F.reason,
    realDemand: F.realDemand,
    problemType: text('存在问题（质量、效率、态度等）', 200),
  }, ['genuine', 'reason', 'realDemand']),
  rectification: form('整改情况', {
    investigation: F.investigation,
    measures: F.measures,
    rectified: F.rectified,
    delayReason: F.delayReason,
    plannedDate: F.plannedDate,
  }, ['investigation', 'measures', 'rectified']),
  callback: form('反馈评价人', {
    satisfied: F.satisfied,
    evaluatorOpinion: F.evaluatorOpinion,
  }, ['satisfied']),
  contest: form('“差评”复核书面申请', {
    applicant: text('申请人（政务服务中心或工作人员所在单位）', 100),
    untrueKind: F.untrueKind,
    appealReason: F.appealReason,
    evidence: F.evidence,
  }, ['applicant', 'untrueKind', 'appealReason']),
  contestDecision: form('复核结论', {
    appealUpheld: bool('误评或恶意评价，评价结果不予采纳（false: 维持差评，转整改）'),
    decisionNote: F.decisionNote,
  }, ['appealUpheld', 'decisionNote']),
};

module.exports = { diagrams: [{ file: 'badReview.bpmn', diagram: badReview() }], forms };
