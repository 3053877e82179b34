'use strict';
/**
 * 柳州市柳东新区政务服务中心 (seed 000): on-site complaint (附件3) and system-pushed bad review (附件4).
 * Forms follow 差评办件登记表 (附件2) and 调查整改报告 (附件5).
 */
const { Diagram } = require('./bpmn.cjs');
const { form, text, bool, choice, F, unitIds } = require('./forms.cjs');

const UNIT = '${environment.variables.unitId}';
const TO_UNIT = `unit:${UNIT}`;
const UNITS = unitIds('liudong'); // from processes/liudong/tenant.yaml

/** The tail both diagrams share: 登记备案, monthly bulletin copies, archived. */
function archiveTail(d, c, r, fileTask) {
  d.xor('inBulletin', '属实差评列入月度通报？', [c, r]);
  d.notify('bulletinCopy', '列入政管办月度通报，抄送责任单位和新区绩效办', { template: 'bulletin-copy', to: `${TO_UNIT},group:新区绩效办`, topic: 'bulletin' }, [c + 1, r]);
  d.xor('isGrave', '造成恶劣影响？', [c + 2, r]);
  d.notify('bulletinSuperior', '通报一并抄送责任单位上级单位', { template: 'bulletin-superior', to: `group:责任单位上级单位,${TO_UNIT}`, topic: 'bulletin' }, [c + 2, r + 1.1]);
  d.status('statusArchived', 'archived', '状态：已归档', [c + 3, r]);
  d.end('archived', '已归档', [c + 4, r]);
  d.flow(fileTask, 'inBulletin');
  d.flow('inBulletin', 'bulletinCopy', { when: 'inBulletin', name: '列入通报' });
  d.flow('inBulletin', 'statusArchived', { isDefault: true, name: '不列入', via: [[c, r - 0.55], [c + 3, r - 0.55]] });
  d.flow('bulletinCopy', 'isGrave');
  d.flow('isGrave', 'bulletinSuperior', { when: 'grave', name: '是' });
  d.flow('isGrave', 'statusArchived', { isDefault: true, name: '否' });
  d.flow('bulletinSuperior', 'statusArchived', { via: [[c + 3, r + 1.1]] });
  d.flow('statusArchived', 'archived');
}

const remindRectify = { duration: '1wd', template: 'remind-rectify', to: TO_UNIT };
const escalateRectify = { duration: '2wd', template: 'escalate-rectify', to: `group:处理中心,group:政管办领导,${TO_UNIT}` };

// ---------------------------------------------------------------- system-pushed (附件4)
function systemPushed() {
  const d = new Diagram({
    id: 'liudongSystemPushed',
    county: 'liudong',
    name: '柳东新区 系统推送差评办件处理（附件4）',
    documentation:
      '处理中心发现或收到“好差评”系统推送的差评办件，回访核实后分两支：真实差评转责任单位2个工作日内整改，当日回访告知评价人并报政管办领导、效能督查科；' +
      '误评和不实差评由责任单位1个工作日内报撤销材料，处理中心当日形成申诉复核申请，经政管办领导审阅后自收到差评1个工作日内报柳州市行政审批局效能督查科。',
  });
  d.start('received', '发现或收到系统差评办件', [0, 1]);
  d.status('statusVerifying', 'verifying', '状态：回访核实', [1, 1]);
  d.user('callbackVerify', '回访核实，确认责任单位，填写登记表', {
    groups: '处理中心',
    form: 'verification',
    doc: '回访评价人，记录原因、获取真实诉求，结合大厅视频监控、巡查记录查明核心问题，确认被投诉责任单位。附件4未规定单独时限。',
  }, [2, 1]);
  d.xor('isGenuine', '真实差评？', [3, 1]);

  // genuine
  d.notify('handOver', '与责任单位领导沟通，转交差评登记表', { template: 'handover', to: TO_UNIT, topic: 'handover' }, [4, 1]);
  d.status('statusRectifying', 'rectifying', '状态：整改中', [5, 1]);
  d.user('unitRectify', '召开专题分析会，落实责任人，整改并完善登记表', {
    groups: UNIT,
    form: 'rectification',
    due: '2wd',
    doc: '收到登记表后2个工作日内完善登记表，经责任单位领导同意后报处理中心；无法整改的说明理由和整改期限。',
    remind: remindRectify,
    escalate: escalateRectify,
  }, [6, 1]);
  d.status('statusFeedback', 'feedback', '状态：反馈评价人', [7, 1]);
  d.user('feedbackEvaluator', '当日回访，将整改措施和情况告知评价人', {
    groups: '处理中心',
    form: 'callback',
    due: '当日',
    doc: '处理中心督促整改，收到登记表当天通过回访将整改措施和情况告知评价人。',
    escalate: { duration: '当日', template: 'escalate-feedback', to: 'group:处理中心,group:政管办领导' },
  }, [8, 1]);
  d.notify('smsEvaluator', '短信告知评价人整改情况', { template: 'evaluator-feedback', to: 'evaluator', topic: 'sms' }, [9, 1]);
  d.user('writeReport', '当日形成详细整改报告', {
    groups: '处理中心',
    form: 'investigationReport',
    due: '当日',
    doc: '形成详细整改报告（附件5），报送政管办领导审阅。',
    escalate: { duration: '当日', template: 'escalate-report', to: 'group:处理中心,group:政管办领导' },
  }, [10, 1]);
  d.user('leaderReviewReport', '政管办领导审阅整改报告', { groups: '政管办领导', form: 'reportReview' }, [11, 1]);
  d.xor('reportApproved', '审阅同意？', [12, 1]);
  d.status('statusReporting', 'reporting', '状态：报送上级', [13, 1]);
  d.user('fileAndReport', '调查整改报告备案，报送柳州市行政审批局效能督查科', { groups: '处理中心', form: 'fileReport' }, [14, 1]);
  d.notify('reportToSupervision', '报送效能督查科', { template: 'report-supervision', to: 'group:效能督查科', topic: 'report' }, [15, 1]);

  d.chain('received', 'statusVerifying', 'callbackVerify', 'isGenuine', ['handOver', { when: 'genuine', name: '真实差评' }], 'statusRectifying', 'unitRectify', 'statusFeedback', 'feedbackEvaluator', 'smsEvaluator', 'writeReport', 'leaderReviewReport', 'reportApproved', ['statusReporting', { when: 'reportApproved', name: '同意' }], 'fileAndReport', 'reportToSupervision');
  d.flow('reportApproved', 'writeReport', { isDefault: true, name: '退回修改', via: [[12, 0.4], [10, 0.4]] });
  archiveTail(d, 16, 1, 'reportToSupervision');

  // mistaken or untrue
  const r = 4;
  d.status('statusAppealing', 'appealing', '状态：申诉复核', [4, r]);
  d.notify('noticeUntrue', '立即通知责任单位报送撤销差评申请材料', { template: 'untrue-notice', to: TO_UNIT, topic: 'untrue' }, [5, r]);
  d.user('unitRevocation', '报送撤销差评申请材料', {
    groups: UNIT,
    form: 'revocation',
    due: '1wd',
    doc: '误评和不实差评：责任单位于1个工作日内将撤销差评申请材料报处理中心。',
    remind: { duration: '当日', template: 'remind-revocation', to: TO_UNIT },
    escalate: { duration: '1wd', template: 'escalate-revocation', to: `group:处理中心,group:政管办领导,${TO_UNIT}` },
  }, [6, r]);
  d.user('writeAppeal', '当日形成差评申诉复核申请', {
    groups: '处理中心',
    form: 'appeal',
    due: '当日',
    escalate: { duration: '当日', template: 'escalate-appeal-draft', to: 'group:处理中心,group:政管办领导' },
  }, [7, r]);
  d.user('leaderReviewAppeal', '政管办领导审阅申诉复核申请', { groups: '政管办领导', form: 'appealReview' }, [8, r]);
  d.xor('appealApproved', '同意申诉？', [9, r]);
  d.user('sendAppeal', '申诉复核申请报柳州市行政审批局效能督查科', {
    groups: '处理中心',
    form: 'sendAppeal',
    due: '1wd from receivedAt',
    doc: '自收到差评办件信息的1个工作日内报送。',
    remind: { duration: '当日 from receivedAt', template: 'remind-appeal-submit', to: 'group:处理中心' },
    escalate: { duration: '1wd from receivedAt', template: 'escalate-appeal-submit', to: 'group:处理中心,group:政管办领导' },
  }, [10, r]);
  d.notify('appealToSupervision', '申诉复核申请送达效能督查科', { template: 'appeal-supervision', to: 'group:效能督查科', topic: 'appeal' }, [11, r]);
  d.user('appealDecision', '效能督查科申诉复核', { groups: '效能督查科', form: 'appealResult', doc: '附件4未规定复核时限。' }, [12, r]);
  d.xor('isUpheld', '申诉成立？', [13, r]);
  d.status('statusRevoked', 'revoked', '状态：差评已撤销', [14, r]);
  d.notify('noticeRevoked', '告知责任单位：差评已撤销', { template: 'appeal-revoked', to: `${TO_UNIT},group:处理中心`, topic: 'appeal' }, [15, r]);
  d.end('revoked', '差评已撤销', [16, r]);

  d.flow('isGenuine', 'statusAppealing', { isDefault: true, name: '误评、不实差评' });
  d.chain('statusAppealing', 'noticeUntrue', 'unitRevocation', 'writeAppeal', 'leaderReviewAppeal', 'appealApproved', ['sendAppeal', { isDefault: true, name: '同意' }], 'appealToSupervision', 'appealDecision', 'isUpheld', ['statusRevoked', { when: 'appealUpheld', name: '申诉成立' }], 'noticeRevoked', 'revoked');
  d.flow('appealApproved', 'handOver', { when: 'genuine', name: '不同意，认定属实：转整改', via: [[9, 3.4], [4, 3.4]] });
  d.flow('isUpheld', 'handOver', { isDefault: true, name: '申诉未获支持：转整改', via: [[13, 3.4], [4, 3.4]] });
  return d;
}

// ---------------------------------------------------------------- on-site complaint (附件3)
function onSite() {
  const d = new Diagram({
    id: 'liudongOnSite',
    county: 'liudong',
    name: '柳东新区 现场投诉差评办件处理（附件3）',
    documentation:
      '评价人现场投诉：处理中心填写登记表并受理，确定被投诉责任单位，现场直查或转办；责任单位2个工作日内调查核实、整改并完善登记表；' +
      '处理中心形成调查整改报告，经责任单位负责人和政管办领导同意后反馈评价人；登记备案，属实差评视性质列入政管办月度通报。',
  });
  d.start('complained', '评价人现场投诉', [0, 1]);
  d.status('statusReceived', 'received', '状态：已受理', [1, 1]);
  d.user('register', '填写差评办件登记表并受理', { groups: '处理中心', form: 'registration' }, [2, 1]);
  d.user('assignUnit', '确定被投诉责任单位，现场直查或转办', { groups: '处理中心', form: 'assignUnit' }, [3, 1]);
  d.notify('handOver', '转交登记表', { template: 'handover-onsite', to: TO_UNIT, topic: 'handover' }, [4, 1]);
  d.status('statusRectifying', 'rectifying', '状态：整改中', [5, 1]);
  d.user('unitRectify', '调查核实，立即整改，完善登记表反馈处理中心', {
    groups: UNIT,
    form: 'onSiteRectification',
    due: '2wd',
    doc: '被投诉责任单位于2个工作日内处理（附件2注：收到登记表后2个工作日内填写完成，经单位领导同意后报处理中心）。',
    remind: remindRectify,
    escalate: escalateRectify,
  }, [6, 1]);
  d.user('writeReport', '根据登记表形成调查整改报告', { groups: '处理中心', form: 'investigationReport' }, [7, 1]);
  d.user('unitHeadApproval', '责任单位负责人审核调查整改报告', { groups: UNIT, form: 'unitHeadReview' }, [8, 1]);
  d.xor('unitHeadAgreed', '负责人同意？', [9, 1]);
  d.user('leaderApproval', '政管办领导审核调查整改报告', { groups: '政管办领导', form: 'reportReview' }, [10, 1]);
  d.xor('reportApproved', '领导同意？', [11, 1]);
  d.status('statusFeedback', 'feedback', '状态：反馈评价人', [12, 1]);
  d.user('feedbackEvaluator', '将调查整改结果反馈评价人', { groups: '处理中心', form: 'callback' }, [13, 1]);
  d.notify('smsEvaluator', '短信告知评价人整改情况', { template: 'evaluator-feedback', to: 'evaluator', topic: 'sms' }, [14, 1]);
  d.user('fileCase', '处理材料登记备案', { groups: '处理中心', form: 'fileCase' }, [15, 1]);

  d.chain('complained', 'statusReceived', 'register', 'assignUnit', 'handOver', 'statusRectifying', 'unitRectify', 'writeReport', 'unitHeadApproval', 'unitHeadAgreed', ['leaderApproval', { when: 'unitHeadAgreed', name: '同意' }], 'reportApproved', ['statusFeedback', { when: 'reportApproved', name: '同意' }], 'feedbackEvaluator', 'smsEvaluator', 'fileCase');
  d.flow('unitHeadAgreed', 'writeReport', { isDefault: true, name: '退回', via: [[9, 0.45], [7, 0.45]] });
  d.flow('reportApproved', 'writeReport', { isDefault: true, name: '退回', via: [[11, 0.3], [7, 0.3]], entry: 'top' });
  archiveTail(d, 16, 1, 'fileCase');
  return d;
}

// ---------------------------------------------------------------- forms
const unitIdField = choice('被投诉责任单位（部门）编号', UNITS);

const forms = {
  registration: form('差评办件登记表（现场投诉）', {
    complaintContent: F.complaintContent,
    signedAt: text('接收时间（现场登记）', 25),
  }, ['complaintContent'], '附件2 差评办件登记表。评价人姓名、联系方式保存在评价记录中，不进入流程变量。'),
  assignUnit: form('确定责任单位', {
    unitId: unitIdField,
    unitName: text('被投诉责任单位（部门）名称', 100),
    handling: choice('处理方式', ['onTheSpot', 'handOver'], 'onTheSpot: 现场直查；handOver: 转办'),
  }, ['unitId', 'unitName', 'handling']),
  verification: form('回访核实（差评办件登记表）', {
    genuine: F.genuine,
    reason: F.reason,
    realDemand: F.realDemand,
    coreProblem: F.coreProblem,
    evidence: F.evidence,
    unitLeaderContacted: bool('已与被投诉责任单位领导沟通'),
  }, ['genuine', 'reason', 'realDemand']),
  rectification: form('整改情况（差评办件登记表）', {
    meetingHeld: F.meetingHeld,
    responsiblePerson: F.responsiblePerson,
    investigation: F.investigation,
    measures: F.measures,
    rectified: F.rectified,
    delayReason: F.delayReason,
    plannedDate: F.plannedDate,
    unitLeaderOpinion: text('责任单位（部门）领导意见', 1000),
    signedBy: text('签收人', 50),
  }, ['meetingHeld', 'responsiblePerson', 'measures', 'rectified', 'unitLeaderOpinion']),
  onSiteRectification: form('调查核实与整改（差评办件登记表）', {
    investigation: F.investigation,
    measures: F.measures,
    rectified: F.rectified,
    delayReason: F.delayReason,
    plannedDate: F.plannedDate,
    unitLeaderOpinion: text('责任单位（部门）领导意见', 1000),
    signedBy: text('签收人', 50),
  }, ['investigation', 'measures', 'rectified', 'unitLeaderOpinion']),
  investigationReport: form('调查整改报告（附件5）', {
    staffReception: F.staffReception,
    investigation: F.investigation,
    measures: F.measures,
  }, ['staffReception', 'investigation', 'measures']),
  unitHeadReview: form('责任单位负责人意见', {
    unitHeadAgreed: bool('同意调查整改报告'),
    unitHeadOpinion: text('负责人意见', 1000),
  }, ['unitHeadAgreed', 'unitHeadOpinion']),
  reportReview: form('政管办领导审阅', {
    reportApproved: bool('同意'),
    leaderOpinion: F.leaderOpinion,
  }, ['reportApproved', 'leaderOpinion']),
  callback: form('回访评价人', {
    satisfied: F.satisfied,
    evaluatorOpinion: F.evaluatorOpinion,
  }, ['satisfied']),
  fileReport: form('备案并报送效能督查科', {
    reportSummary: F.reportSummary,
    inBulletin: bool('属实差评列入政管办月度通报'),
    grave: bool('造成恶劣影响（抄送责任单位上级单位）'),
  }, ['reportSummary', 'inBulletin', 'grave']),
  fileCase: form('登记备案', {
    inBulletin: bool('属实差评列入政管办月度通报'),
    grave: bool('造成恶劣影响（抄送责任单位上级单位）'),
    note: text('备案说明', 1000),
  }, ['inBulletin', 'grave']),
  revocation: form('撤销差评申请材料', {
    untrueKind: F.untrueKind,
    revocationReason: text('申请撤销理由', 2000),
    evidence: F.evidence,
  }, ['untrueKind', 'revocationReason']),
  appeal: form('差评申诉复核申请', {
    appealReason: F.appealReason,
  }, ['appealReason']),
  appealReview: form('政管办领导审阅申诉复核申请', {
    genuine: bool('不同意申诉：认定属真实差评，转整改', 'false: 同意报送申诉复核'),
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
