'use strict';
/**
 * JSON-schema building blocks for the task forms (draft-07, the subset the host's ajv check and the form
 * renderer rely on: type object, properties, required, enum, maxLength, additionalProperties false).
 *
 * Personal data of the evaluator (name, phone, ID number) never goes through a task form: it stays in
 * the encrypted evaluation record. Fields that name staff (落实责任人, 调查人) are internal and are never
 * used in a text sent to the evaluator.
 */

const fs = require('node:fs');
const path = require('node:path');

/** Unit ids of a county as its tenant.yaml lists them (the enum of a "responsible unit" field). */
function unitIds(county) {
  // eslint-disable-next-line global-require
  const YAML = require('yaml');
  const doc = YAML.parse(fs.readFileSync(path.resolve(__dirname, '..', county, 'tenant.yaml'), 'utf8'));
  return (doc.units ?? []).map((u) => u.id);
}

const text = (title, maxLength = 1000, description) => ({ type: 'string', title, maxLength, ...(description ? { description } : {}) });
const bool = (title, description) => ({ type: 'boolean', title, ...(description ? { description } : {}) });
const choice = (title, values, description) => ({ type: 'string', title, enum: values, ...(description ? { description } : {}) });
const date = (title) => ({ type: 'string', title, maxLength: 10, description: 'YYYY-MM-DD' });

function form(title, properties, required, description) {
  for (const r of required) if (!(r in properties)) throw new Error(`form ${title}: required field ${r} is not a property`);
  return {
    title,
    ...(description ? { description } : {}),
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  };
}

/** Fields several counties share. */
const F = {
  genuine: bool('是否属实差评（真实差评）', 'true: 真实差评，转办整改；false: 误评或不实差评，走申诉复核'),
  reason: text('差评原因（回访核实情况）'),
  realDemand: text('评价人真实诉求'),
  coreProblem: text('被投诉核心问题'),
  evidence: text('佐证材料（大厅视频监控、巡查记录等）'),
  complaintContent: text('差评内容'),
  untrueKind: choice('不实差评类型', ['mistaken', 'malicious'], 'mistaken: 误评；malicious: 恶意差评'),
  investigation: text('调查处理情况', 2000),
  measures: text('整改措施', 2000),
  responsiblePerson: text('落实责任人', 50),
  meetingHeld: bool('已召开差评办件专题分析会'),
  rectified: bool('已整改完毕', 'false: 期限内无法整改完毕，须说明理由和整改期限'),
  delayReason: text('无法按期整改的理由', 1000),
  plannedDate: date('整改期限（计划完成日期）'),
  staffReception: text('服务人员接待情况', 2000),
  satisfied: bool('评价人对整改结果是否满意'),
  evaluatorOpinion: text('评价人意见', 1000),
  leaderOpinion: text('领导意见', 1000),
  reportSummary: text('报送内容摘要', 2000),
  appealReason: text('申请复核理由', 2000),
  appealUpheld: bool('复核结论：申诉成立（误评或恶意差评，不予采纳并纠正）'),
  decisionNote: text('复核意见', 2000),
};

module.exports = { text, bool, choice, date, form, F, unitIds };
