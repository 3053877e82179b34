'use strict';
/**
 * 平顶山市新华区 (seed 002, 平新政务和数据〔2022〕13号《新华区政务服务“好差评”工作制度》): 政务服务环境科
 * verifies a bad review within 24 hours (第七条); mistaken or malicious ones are not adopted; confirmed ones
 * are rectified within 15 days, the result is fed back to the evaluator within that period and reported to
 * the provincial platform (第八条); 环境科 sums up and analyses shared problems (第九、十条, 双归零).
 */
const { Diagram } = require('./bpmn.cjs');
const { form, text, bool, choice, F } = require('./forms.cjs');

const UNIT = '${environment.variables.unitId}';
const TO_UNIT = `unit:${UNIT}`;
const ENV = '政务服务环境科';

function badReview() {
  const d = new Diagram({
    id: 'xinhuaBadReview',
    county: 'xinhua',
    name: '新华区 差评核实、整改、反馈（第七、八条）',
    documentation:
      '对“不满意”“非常不满意”的评价，政务服务环境科在24小时内核实，误评或恶意差评不予采纳；经核查确定为差评的，第一时间转办整改，15日内整改完毕（无法整改的说明理由和整改期限），' +
      '在整改期限内将整改结果通过网上政务服务平台、移动端、短信等向评价用户反馈，整改及反馈情况同步报送省政务服务平台。15日自收到差评起算。',
  });
  d.start('received', '收到“不满意”“非常不满意”评价', [0, 1]);
  d.status('statusVerifying', 'verifying', '状态：核实', [1, 1]);
  d.user('verify', '24小时内核实差评（电话回访）', {
    groups: ENV,
    form: 'verification',
    due: '24h from receivedAt',
    doc: '第七条：对“不满意”或“非常不满意”的评价，要在24小时进行核实。',
    remind: { duration: '20h from receivedAt', template: 'remind-verify', to: `group:${ENV}` },
    escalate: { duration: '24h from receivedAt', template: 'escalate-verify', to: `group:${ENV},group:局领导` },
  }, [2, 1]);
  d.xor('isGenuine', '经核查确定为差评？', [3, 1]);
  d.notify('handOver', '转办，第一时间整改', { template: 'handover', to: TO_UNIT, topic: 'handover' }, [4, 1]);
  d.status('statusRectifying', 'rectifying', '状态：整改中', [5, 1]);
  d.user('rectify', '15日内整改（无法整改的说明理由和整改期限）', {
    groups: UNIT,
    form: 'rectification',
    due: '15d from receivedAt',
    doc: '第八条：经查实的差评办件应在15日内进行整改，在期限内无法整改的，应说明理由和整改期限。',
    remind: { duration: 'P13D from receivedAt', template: 'remind-rectify', to: TO_UNIT },
    escalate: { duration: '15d from receivedAt', template: 'escalate-rectify', to: `group:${ENV},group:局领导,${TO_UNIT}` },
  }, [6, 1]);
  d.status('statusFeedback', 'feedback', '状态：反馈评价人', [7, 1]);
  d.user('feedbackEvaluator', '在整改期限内将整改结果反馈评价人', {
    groups: ENV,
    form: 'feedback',
    due: '15d from receivedAt',
    doc: '通过网上政务服务平台、移动端用户中心、短信等方式向评价用户反馈。',
    escalate: { duration: '15d from receivedAt', template: 'escalate-feedback', to: `group:${ENV},group:局领导` },
  }, [8, 1]);
  d.notify('smsEvaluator', '短信向评价用户反馈整改结果', { template: 'evaluator-feedback', to: 'evaluator', topic: 'sms' }, [9, 1]);
  d.status('statusReporting', 'reporting', '状态：报送省平台', [10, 1]);
  d.user('reportProvince', '整改及反馈情况同步报送省政务服务平台', {
    groups: ENV,
    form: 'provinceReport',
    due: '15d from receivedAt',
    escalate: { duration: '15d from receivedAt', template: 'escalate-report', to: `group:${ENV},group:局领导` },
  }, [11, 1]);
  d.notify('toProvincePlatform', '报送省政务服务平台', { template: 'province-report', to: 'group:省政务服务平台', topic: 'report' }, [12, 1]);
  d.user('summarize', '汇总办结情况，分析共性问题（双归零）', { groups: ENV, form: 'summary', doc: '第九、十条：定期汇总差评问题办结情况；群众反映强烈、差评集中的问题分析根源、限期整改，实现差评办件和共性问题“双归零”。' }, [13, 1]);
  d.xor('isSharedProblem', '共性问题？', [14, 1]);
  d.notify('sharedProblemNotice', '共性问题限期整改', { template: 'shared-problem', to: `group:局领导,group:${ENV},${TO_UNIT}`, topic: 'analysis' }, [14, 2.2]);
  d.status('statusArchived', 'archived', '状态：已归档', [15, 1]);
  d.end('archived', '已归档', [16, 1]);

  d.chain('received', 'statusVerifying', 'verify', 'isGenuine', ['handOver', { when: 'genuine', name: '确定为差评' }], 'statusRectifying', 'rectify', 'statusFeedback', 'feedbackEvaluator', 'smsEvaluator', 'statusReporting', 'reportProvince', 'toProvincePlatform', 'summarize', 'isSharedProblem', ['sharedProblemNotice', { when: 'sharedProblem', name: '是' }]);
  d.flow('isSharedProblem', 'statusArchived', { isDefault: true, name: '否' });
  d.flow('sharedProblemNotice', 'statusArchived', { via: [[15, 2.2]] });
  d.flow('statusArchived', 'archived');

  // mistaken or malicious: not adopted (第七条)
  const r = 4;
  d.status('statusAppealing', 'appealing', '状态：复核', [4, r]);
  d.user('reviewUntrue', '复核：经核实为误评或恶意差评的不予采纳', {
    groups: ENV,
    form: 'untrueReview',
    due: '24h from receivedAt',
    doc: '第七条：核实在24小时内完成，经核实为误评或恶意差评的不予采纳。',
    escalate: { duration: '24h from receivedAt', template: 'escalate-decision', to: `group:${ENV},group:局领导` },
  }, [5, r]);
  d.xor('isUpheld', '不予采纳？', [6, r]);
  d.status('statusRevoked', 'revoked', '状态：不予采纳', [7, r]);
  d.notify('noticeNotAdopted', '告知被评价单位：差评不予采纳', { template: 'not-adopted', to: `${TO_UNIT},group:${ENV}`, topic: 'appeal' }, [8, r]);
  d.end('revoked', '差评不予采纳', [9, r]);
  d.flow('isGenuine', 'statusAppealing', { isDefault: true, name: '误评、恶意差评' });
  d.chain('statusAppealing', 'reviewUntrue', 'isUpheld', ['statusRevoked', { when: 'appealUpheld', name: '不予采纳' }], 'noticeNotAdopted', 'revoked');
  d.flow('isUpheld', 'handOver', { isDefault: true, name: '复核确认为差评：转整改', via: [[6, 3.4], [4, 3.4]] });
  return d;
}

const forms = {
  verification: form('差评核实', {
    genuine: bool('经核查确定为差评', 'false: 误评或恶意差评，复核后不予采纳'),
    reason: F.reason,
    realDemand: F.realDemand,
    evidence: F.evidence,
  }, ['genuine', 'reason', 'realDemand']),
  rectification: form('整改情况', {
    investigation: F.investigation,
    measures: F.measures,
    rectified: F.rectified,
    delayReason: F.delayReason,
    plannedDate: F.plannedDate,
  }, ['investigation', 'measures', 'rectified']),
  feedback: form('向评价用户反馈', {
    feedbackChannel: choice('反馈方式', ['platform', 'mobile', 'sms'], 'platform: 网上政务服务平台；mobile: 移动端用户中心；sms: 短信'),
    feedbackContent: text('反馈内容', 1000),
    satisfied: F.satisfied,
  }, ['feedbackChannel', 'feedbackContent']),
  provinceReport: form('报送省政务服务平台', {
    platformRef: text('省平台报送编号', 100),
    reportSummary: F.reportSummary,
  }, ['platformRef', 'reportSummary']),
  summary: form('汇总与共性问题分析', {
    sharedProblem: bool('属群众反映强烈、差评集中的共性问题'),
    analysis: text('根源分析与整改措施', 2000),
  }, ['sharedProblem']),
  untrueReview: form('差评复核', {
    untrueKind: F.untrueKind,
    appealUpheld: bool('复核结论：误评或恶意差评，不予采纳（false: 确定为差评，转整改）'),
    decisionNote: F.decisionNote,
  }, ['untrueKind', 'appealUpheld', 'decisionNote']),
};

module.exports = { diagrams: [{ file: 'badReview.bpmn', diagram: badReview() }], forms };
