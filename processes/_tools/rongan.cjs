'use strict';
/**
 * 融安县政务服务中心 (seed 001, 融政监管字〔2021〕2号): on-site complaint (第四条, 附件2) with the county
 * centre versus sub-centre / township routing, and the system-pushed bad review (第五至九条, 附件3).
 * Forms follow 差评办件转办登记表 (附件4) and 调查整改报告 (附件5); the archive step records the
 * performance deduction of 第十条.
 */
const { Diagram } = require('./bpmn.cjs');
const { form, text, bool, choice, F, unitIds } = require('./forms.cjs');

const UNIT = '${environment.variables.unitId}';
const TO_UNIT = `unit:${UNIT}`;
const UNITS = unitIds('rongan'); // from processes/rongan/tenant.yaml

const remindRectify = { duration: '1wd', template: 'remind-rectify', to: TO_UNIT };
const escalateRectify = { duration: '2wd', template: 'escalate-rectify', to: `group:县政管办,group:分管领导,${TO_UNIT}` };

/** 备案 with the performance record (第十条), then archived. */
function archiveTail(d, c, r) {
  d.user('fileCase', '备案，记录绩效考评（第十条）', {
    groups: '县政管办',
    form: 'performance',
    doc: '服务态度、服务质量、服务效率导致的差评扣业务窗口责任人绩效分；服务环境导致的扣业务窗口绩效分；整改落实情况同步纳入绩效考评。',
  }, [c, r]);
  d.notify('performanceNotice', '绩效考评记录告知业务窗口', { template: 'performance', to: `${TO_UNIT},group:县政管办`, topic: 'performance' }, [c + 1, r]);
  d.status('statusArchived', 'archived', '状态：已归档', [c + 2, r]);
  d.end('archived', '已归档', [c + 3, r]);
  d.chain('fileCase', 'performanceNotice', 'statusArchived', 'archived');
}

// ---------------------------------------------------------------- on-site complaint (第四条, 附件2)
function onSite() {
  const d = new Diagram({
    id: 'ronganOnSite',
    county: 'rongan',
    name: '融安县 现场投诉办件处理（第四条、附件2）',
    documentation:
      '县政务服务中心（含不动产分中心）的现场投诉由县政管办协调业务窗口处置；其余分中心、各乡镇政务服务中心由相应单位分管领导协调。' +
      '业务窗口调查核实后即时整改，2个工作日内将整改报告（分中心、乡镇经分管领导签字）反馈县政管办；报县政管办分管好差评工作领导，回访投诉人，备案。',
  });
  d.start('complained', '评价人现场投诉', [0, 1]);
  d.status('statusReceived', 'received', '状态：已受理', [1, 1]);
  d.user('register', '县政管办登记、受理', { groups: '县政管办', form: 'registration' }, [2, 1]);
  d.user('assignParty', '根据评价内容确定相关责任主体', { groups: '县政管办', form: 'assignParty' }, [3, 1]);
  d.xor('whereComplained', '县政务服务中心（含不动产分中心）？', [4, 1]);
  d.user('coordinateCounty', '县政管办协调业务窗口，现场直查或转办', { groups: '县政管办', form: 'coordination' }, [5, 1]);
  d.user('coordinateSite', '分中心、乡镇分管领导协调业务窗口，现场直查或转办', { groups: '分中心分管领导', form: 'coordination' }, [5, 2.3]);
  d.notify('handOver', '转办业务窗口', { template: 'handover-onsite', to: TO_UNIT, topic: 'handover' }, [6, 1]);
  d.status('statusRectifying', 'rectifying', '状态：整改中', [7, 1]);
  d.user('windowRectify', '调查核实，即时整改，将整改报告反馈县政管办', {
    groups: UNIT,
    form: 'onSiteRectification',
    due: '2wd',
    doc: '2个工作日内将整改报告反馈县政管办；分中心、乡镇的整改报告经分管领导签字。',
    remind: remindRectify,
    escalate: escalateRectify,
  }, [8, 1]);
  d.notify('reportToLeader', '投诉处理情况报县政管办分管“好差评”工作领导', { template: 'leader-report-onsite', to: 'group:分管领导', topic: 'report' }, [9, 1]);
  d.user('leaderReview', '分管领导审阅投诉处理情况', { groups: '分管领导', form: 'reportReview' }, [10, 1]);
  d.xor('reportApproved', '同意？', [11, 1]);
  d.status('statusFeedback', 'feedback', '状态：回访', [12, 1]);
  d.user('callbackComplainant', '回访投诉人处理结果', { groups: '县政管办', form: 'callback' }, [13, 1]);
  d.notify('smsEvaluator', '短信告知投诉人处理结果', { template: 'evaluator-feedback', to: 'evaluator', topic: 'sms' }, [14, 1]);
  archiveTail(d, 15, 1);

  d.chain('complained', 'statusReceived', 'register', 'assignParty', 'whereComplained', ['coordinateCounty', { when: 'atCountyCentre', name: '县中心' }], 'handOver', 'statusRectifying', 'windowRectify', 'reportToLeader', 'leaderReview', 'reportApproved', ['statusFeedback', { when: 'reportApproved', name: '同意' }], 'callbackComplainant', 'smsEvaluator', 'fileCase');
  d.flow('whereComplained', 'coordinateSite', { isDefault: true, name: '分中心、乡镇' });
  d.flow('coordinateSite', 'handOver', { via: [[6, 2.3]] });
  d.flow('reportApproved', 'windowRectify', { isDefault: true, name: '退回整改', via: [[11, 0.4], [8, 0.4]] });
  return d;
}

// ---------------------------------------------------------------- system-pushed (第五至九条, 附件3)
function systemPushed() {
  const d = new Diagram({
    id: 'ronganSystemPushed',
    county: 'rongan',
    name: '融安县 系统推送差评办件处理（第五至九条、附件3）',
    documentation:
      '发现系统差评办件，当日填写转办登记表并向分管领导报告，当日回访核实并转办。需要整改的：责任主体转办当日召开专题分析会，2个工作日内整改并形成调查整改报告；' +
      '县政管办核实整改情况，2个工作日内形成详细调查整改报告报分管领导审阅，自收到差评办件4个工作日内报柳州市政务服务监督管理办公室督查科；整改完毕后再次回访评价人，确保评价人满意。' +
      '误评和不实差评：责任主体1个工作日内报送申诉撤销申请，县政管办当日形成申诉复核申请报分管领导审阅，自收到差评办件1个工作日内报督查科。',
  });
  d.start('received', '发现系统差评办件', [0, 1]);
  d.status('statusReceived', 'received', '状态：已接收', [1, 1]);
  d.user('fillHandoverForm', '当日填写差评办件转办登记表', {
    groups: '县政管办',
    form: 'handoverRegistration',
    due: '当日 from receivedAt',
    escalate: { duration: '当日 from receivedAt', template: 'escalate-handover-form', to: 'group:县政管办,group:分管领导' },
  }, [2, 1]);
  d.notify('reportToLeader', '向分管“好差评”工作领导和业务窗口负责人报告', { template: 'leader-report', to: `group:分管领导,${TO_UNIT}`, topic: 'report' }, [3, 1]);
  d.status('statusVerifying', 'verifying', '状态：回访核实', [4, 1]);
  d.user('callbackVerify', '当日回访核实评价人，查看佐证材料，保存视频', {
    groups: '县政管办',
    form: 'verification',
    due: '当日 from receivedAt',
    doc: '第六条：收到差评件当日，县政管办需回访评价人，了解记录不满意原因，收集整理佐证材料。',
    escalate: { duration: '当日 from receivedAt', template: 'escalate-verify', to: 'group:县政管办,group:分管领导' },
  }, [5, 1]);
  d.xor('isGenuine', '需要整改的差评？', [6, 1]);

  // genuine
  d.notify('handOver', '当日转办责任主体', { template: 'handover', to: TO_UNIT, topic: 'handover' }, [7, 1]);
  d.status('statusRectifying', 'rectifying', '状态：整改中', [8, 1]);
  d.user('windowRectify', '召开专题分析会，整改完毕，形成调查整改报告', {
    groups: UNIT,
    form: 'rectification',
    due: '2wd',
    doc: '转办当日召开差评办件专题分析会，落实责任人；2个工作日内整改完毕，形成调查整改报告（附件5），经窗口负责人审阅后报县政管办；无法在期限内整改的，说明理由和整改期限。',
    remind: remindRectify,
    escalate: escalateRectify,
  }, [9, 1]);
  d.user('verifyRectification', '核实整改落实情况，形成详细调查整改报告', {
    groups: '县政管办',
    form: 'investigationReport',
    due: '2wd',
    doc: '根据回访情况、佐证材料以及整改结果，2个工作日内形成详细调查整改报告报送分管领导审阅。',
    remind: { duration: '1wd', template: 'remind-report', to: 'group:县政管办' },
    escalate: { duration: '2wd', template: 'escalate-report', to: 'group:县政管办,group:分管领导' },
  }, [11, 1]);
  d.user('leaderReviewReport', '分管领导审阅调查整改报告', { groups: '分管领导', form: 'reportReview', due: '4wd from receivedAt' }, [12, 1]);
  d.xor('reportApproved', '同意？', [13, 1]);
  d.status('statusReporting', 'reporting', '状态：报送督查科', [14, 1]);
  d.user('sendReport', '报送柳州市政务服务监督管理办公室督查科', {
    groups: '县政管办',
    form: 'sendReport',
    due: '4wd from receivedAt',
    doc: '自收到差评办件的4个工作日内报送经领导审阅的调查整改报告。',
    remind: { duration: '3wd from receivedAt', template: 'remind-report', to: 'group:县政管办' },
    escalate: { duration: '4wd from receivedAt', template: 'escalate-report', to: 'group:县政管办,group:分管领导' },
  }, [15, 1]);
  d.notify('reportToSupervision', '调查整改报告送达督查科', { template: 'report-supervision', to: 'group:督查科', topic: 'report' }, [16, 1]);
  d.status('statusFeedback', 'feedback', '状态：再次回访', [17, 1]);
  d.user('secondCallback', '整改完毕后再次回访评价人，告知整改结果', { groups: '县政管办', form: 'callback', doc: '第八条：业务窗口负责确保评价人对整改结果表示满意。' }, [18, 1]);
  d.notify('smsEvaluator', '短信告知评价人整改结果', { template: 'evaluator-feedback', to: 'evaluator', topic: 'sms' }, [19, 1]);
  d.xor('isSatisfied', '评价人满意？', [20, 1]);
  d.user('leaderDecideUnsatisfied', '评价人仍不满意：继续整改或按不满意归档', { groups: '分管领导', form: 'unsatisfiedDecision' }, [20, 2.6]);
  d.xor('continueRectification', '继续整改？', [21, 2.6]);
  d.user('windowFollowUp', '业务窗口再次整改，确保评价人满意', { groups: UNIT, form: 'followUp' }, [19, 3.6]);
  archiveTail(d, 21, 1);

  d.chain('received', 'statusReceived', 'fillHandoverForm', 'reportToLeader', 'statusVerifying', 'callbackVerify', 'isGenuine', ['handOver', { when: 'genuine', name: '需要整改' }], 'statusRectifying', 'windowRectify', 'verifyRectification', 'leaderReviewReport', 'reportApproved', ['statusReporting', { when: 'reportApproved', name: '同意' }], 'sendReport', 'reportToSupervision', 'statusFeedback', 'secondCallback', 'smsEvaluator', 'isSatisfied', ['fileCase', { when: 'satisfied', name: '满意' }]);
  d.flow('reportApproved', 'verifyRectification', { isDefault: true, name: '退回修改', via: [[13, 0.4], [11, 0.4]] });
  d.flow('isSatisfied', 'leaderDecideUnsatisfied', { isDefault: true, name: '不满意' });
  d.flow('leaderDecideUnsatisfied', 'continueRectification');
  d.flow('continueRectification', 'windowFollowUp', { when: 'continueRectification', name: '继续整改' });
  d.flow('continueRectification', 'fileCase', { isDefault: true, name: '按不满意归档' });
  d.flow('windowFollowUp', 'secondCallback', { via: [[18, 3.6]] });

  // mistaken or untrue (第九条)
  const r = 5;
  d.status('statusAppealing', 'appealing', '状态：申诉复核', [7, r]);
  d.notify('noticeUntrue', '通知责任主体报送申诉撤销申请', { template: 'untrue-notice', to: TO_UNIT, topic: 'untrue' }, [8, r]);
  d.user('windowRevocation', '报送申诉撤销申请（经分管领导审核）', {
    groups: UNIT,
    form: 'revocation',
    due: '1wd',
    doc: '经回访核实属于误评和不实差评的，业务窗口应于1个工作日内经分管领导审核后将申诉撤销材料报县政管办。',
    remind: { duration: '当日', template: 'remind-revocation', to: TO_UNIT },
    escalate: { duration: '1wd', template: 'escalate-revocation', to: `group:县政管办,group:分管领导,${TO_UNIT}` },
  }, [9, r]);
  d.user('confirmUntrue', '当日调查确认，形成差评申诉复核申请', {
    groups: '县政管办',
    form: 'appealDraft',
    due: '当日',
    escalate: { duration: '当日', template: 'escalate-appeal-draft', to: 'group:县政管办,group:分管领导' },
  }, [10, r]);
  d.xor('untrueConfirmed', '确认属误评、不实差评？', [11, r]);
  d.user('leaderReviewAppeal', '分管领导审阅申诉复核申请', { groups: '分管领导', form: 'appealReview', due: '1wd from receivedAt' }, [12, r]);
  d.xor('appealApproved', '同意申诉？', [13, r]);
  d.user('sendAppeal', '当日报督查科提出申诉复核', {
    groups: '县政管办',
    form: 'sendAppeal',
    due: '1wd from receivedAt',
    doc: '经分管领导审阅后当日报柳州市政务服务监督管理办公室督查科（自收到差评办件信息的1个工作日内）。',
    remind: { duration: '当日 from receivedAt', template: 'remind-appeal-submit', to: 'group:县政管办' },
    escalate: { duration: '1wd from receivedAt', template: 'escalate-appeal-submit', to: 'group:县政管办,group:分管领导' },
  }, [14, r]);
  d.notify('appealToSupervision', '申诉复核申请送达督查科', { template: 'appeal-supervision', to: 'group:督查科', topic: 'appeal' }, [15, r]);
  d.user('appealDecision', '督查科申诉复核', { groups: '督查科', form: 'appealResult', doc: '办法未规定复核时限。' }, [16, r]);
  d.xor('isUpheld', '申诉成立？', [17, r]);
  d.status('statusRevoked', 'revoked', '状态：差评已撤销', [18, r]);
  d.notify('noticeRevoked', '告知业务窗口：差评已撤销', { template: 'appeal-revoked', to: `${TO_UNIT},group:县政管办`, topic: 'appeal' }, [19, r]);
  d.end('revoked', '差评已撤销', [20, r]);

  d.flow('isGenuine', 'statusAppealing', { isDefault: true, name: '误评、不实差评' });
  d.chain('statusAppealing', 'noticeUntrue', 'windowRevocation', 'confirmUntrue', 'untrueConfirmed', ['leaderReviewAppeal', { isDefault: true, name: '确认' }], 'appealApproved', ['sendAppeal', { isDefault: true, name: '同意' }], 'appealToSupervision', 'appealDecision', 'isUpheld', ['statusRevoked', { when: 'appealUpheld', name: '申诉成立' }], 'noticeRevoked', 'revoked');
  const lane = r - 0.6;
  d.flow('untrueConfirmed', 'handOver', { when: 'genuine', name: '不属误评：转整改', via: [[11, lane], [7, lane]] });
  d.flow('appealApproved', 'handOver', { when: 'genuine', name: '不同意，认定属实：转整改', via: [[13, lane], [7, lane]] });
  d.flow('isUpheld', 'handOver', { isDefault: true, name: '申诉未获支持：转整改', via: [[17, lane], [7, lane]] });
  return d;
}

// ---------------------------------------------------------------- forms
const forms = {
  registration: form('现场投诉登记', {
    complaintContent: F.complaintContent,
  }, ['complaintContent'], '评价人姓名、联系方式保存在评价记录中，不进入流程变量。'),
  assignParty: form('确定相关责任主体', {
    unitId: choice('责任业务窗口（含进驻部门窗口或分中心窗口）编号', UNITS),
    unitName: text('责任业务窗口名称', 100),
    atCountyCentre: bool('投诉发生在县政务服务中心（含不动产分中心）', 'false: 其余分中心或乡镇政务服务中心，由相应单位分管领导协调'),
    siteName: text('分中心或乡镇政务服务中心名称', 100),
  }, ['unitId', 'unitName', 'atCountyCentre']),
  coordination: form('现场直查或转办', {
    handling: choice('处理方式', ['onTheSpot', 'handOver'], 'onTheSpot: 现场直查；handOver: 转办'),
    coordinationNote: text('协调情况', 1000),
  }, ['handling']),
  onSiteRectification: form('整改报告（现场投诉）', {
    investigation: F.investigation,
    measures: F.measures,
    rectified: F.rectified,
    delayReason: F.delayReason,
    plannedDate: F.plannedDate,
    siteLeaderSigned: bool('整改报告已经分管领导签字（分中心、乡镇）'),
  }, ['investigation', 'measures', 'rectified']),
  handoverRegistration: form('差评办件转办登记表（附件4）', {
    complaintContent: F.complaintContent,
    registeredBy: text('县政管办签收人', 50),
  }, ['complaintContent', 'registeredBy']),
  verification: form('回访核实', {
    genuine: bool('属于需要整改的差评', 'false: 误评和不实差评，走申诉复核'),
    reason: F.reason,
    realDemand: F.realDemand,
    evidence: F.evidence,
    videoSaved: bool('已保存相关视频'),
  }, ['genuine', 'reason', 'realDemand']),
  rectification: form('差评办件调查处理情况（转办登记表）与调查整改报告', {
    meetingHeld: F.meetingHeld,
    responsiblePerson: F.responsiblePerson,
    investigation: F.investigation,
    measures: F.measures,
    rectified: F.rectified,
    delayReason: F.delayReason,
    plannedDate: F.plannedDate,
    headReviewed: bool('已经业务窗口负责人审阅'),
  }, ['meetingHeld', 'responsiblePerson', 'investigation', 'measures', 'rectified', 'headReviewed']),
  investigationReport: form('详细调查整改报告（附件5）', {
    staffReception: F.staffReception,
    investigation: F.investigation,
    measures: F.measures,
  }, ['staffReception', 'investigation', 'measures']),
  reportReview: form('分管领导意见', {
    reportApproved: bool('同意'),
    leaderOpinion: F.leaderOpinion,
  }, ['reportApproved', 'leaderOpinion']),
  sendReport: form('报送督查科', {
    documentNo: text('报送文号或系统编号', 100),
  }, ['documentNo']),
  callback: form('回访评价人', {
    satisfied: F.satisfied,
    evaluatorOpinion: F.evaluatorOpinion,
  }, ['satisfied']),
  unsatisfiedDecision: form('评价人不满意的处理', {
    continueRectification: bool('继续整改（false: 经分管领导同意按“评价人不满意”归档）'),
    leaderOpinion: F.leaderOpinion,
  }, ['continueRectification', 'leaderOpinion']),
  followUp: form('再次整改', {
    measures: F.measures,
  }, ['measures']),
  performance: form('备案与绩效考评（第十条）', {
    performanceCategory: choice('差评原因类别', ['attitude', 'quality', 'efficiency', 'environment', 'other'], 'attitude 服务态度, quality 服务质量, efficiency 服务效率, environment 服务环境, other 其他'),
    deductFrom: choice('绩效扣分对象', ['staff', 'window', 'none'], 'staff: 业务窗口责任人（态度、质量、效率）；window: 业务窗口（服务环境）；none: 不扣分'),
    deductionPoints: { type: 'number', title: '扣分' },
    rectificationAssessment: text('整改落实情况（纳入绩效考评）', 1000),
  }, ['performanceCategory', 'deductFrom', 'rectificationAssessment']),
  revocation: form('申诉撤销申请', {
    untrueKind: F.untrueKind,
    revocationReason: text('申请撤销理由', 2000),
    evidence: F.evidence,
    leaderApproved: bool('已经分管领导审核'),
  }, ['untrueKind', 'revocationReason', 'leaderApproved']),
  appealDraft: form('调查确认与申诉复核申请', {
    genuine: bool('调查后认定不属误评，属需要整改的差评（转整改）', 'false: 确认属误评或不实差评，形成申诉复核申请'),
    appealReason: F.appealReason,
  }, ['genuine', 'appealReason']),
  appealReview: form('分管领导审阅申诉复核申请', {
    genuine: bool('不同意申诉：认定属需要整改的差评，转整改', 'false: 同意报送申诉复核'),
    leaderOpinion: F.leaderOpinion,
  }, ['genuine', 'leaderOpinion']),
  sendAppeal: form('报送申诉复核申请', {
    documentNo: text('报送文号或系统编号', 100),
  }, ['documentNo']),
  appealResult: form('申诉复核结果', {
    appealUpheld: F.appealUpheld,
    decisionNote: F.decisionNote,
  }, ['appealUpheld', 'decisionNote']),
};

module.exports = {
  diagrams: [
    { file: 'onSite.bpmn', diagram: onSite() },
    { file: 'systemPushed.bpmn', diagram: systemPushed() },
  ],
  forms,
};
