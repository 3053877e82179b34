/**
 * Documents of a case: each kind renders for a case of its county as HTML and as PDF, and every field of
 * the seed's layout is in it with the case's values (the PDF's text read back with pdftotext). Personal
 * data is masked unless a pii-reader asks, and that rendering is recorded as a reveal. The documents a
 * step sends onward are archived with their SHA-256 in the history. First pages are written as PNG to
 * DOCUMENT_PNG_DIR (when set) to be looked at.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EVALUATOR, badRating, caseOf, complete, countyApp, setClock } from '../scenarios/support';

const app = countyApp();
const READER = 'reader-token-0123456789';

async function get(p: string, token = 'test-admin-token') {
  const res = await fetch(app().url + p, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const flat = (s: string) => s.replace(/\s+/g, '');

/** The PDF's text (pdftotext), and its first page as PNG when DOCUMENT_PNG_DIR is set. */
function pdfText(pdf: Buffer, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-'));
  const file = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  const out = process.env.DOCUMENT_PNG_DIR;
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    fs.copyFileSync(file, path.join(out, `${name}.pdf`));
    execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', '-singlefile', file, path.join(out, name)]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return text;
}

async function expectDocument(county: string, caseId: string, kind: string, expected: string[], token?: string, reveal = false) {
  const base = `/api/v1/counties/${county}/cases/${caseId}/documents/${kind}`;
  const html = await get(`${base}.html${reveal ? '?reveal=true' : ''}`, token);
  expect(html.status).toBe(200);
  expect(html.type).toMatch(/text\/html/);
  const pdf = await get(`${base}.pdf${reveal ? '?reveal=true' : ''}`, token);
  expect(pdf.status).toBe(200);
  expect(pdf.type).toBe('application/pdf');
  expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  const text = flat(pdfText(pdf.bytes, `${county}-${kind}${reveal ? '-revealed' : ''}`));
  if (process.env.DOCUMENT_PNG_DIR) fs.writeFileSync(path.join(process.env.DOCUMENT_PNG_DIR, `${county}-${kind}${reveal ? '-revealed' : ''}.html`), html.bytes);
  const page = flat(html.bytes.toString('utf8').replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/&#x27;/g, "'"));
  for (const e of expected) {
    expect({ field: e, inPdf: text.includes(flat(e)) }).toEqual({ field: e, inPdf: true });
    expect({ field: e, inHtml: page.includes(flat(e)) }).toEqual({ field: e, inHtml: true });
  }
  return { text, page };
}

beforeAll(async () => {
  await app().core.users.create({ id: 'reader', roles: ['pii-reader', 'staff'], counties: ['*'], token: READER }, new Date());
});

test('柳东 (seed 000): 登记表 (附件2) and 调查整改报告 (附件5), every field with the case values; archived when sent to 效能督查科', async () => {
  const api = app().api;
  await setClock(api, '2026-10-12T09:00:00+08:00');
  const caseId = await badRating(api, 'liudong', { caseNo: 'LD-2026-1012-007', unitId: 'ld-scjg', serviceName: '企业设立登记', completedAt: '2026-10-12T08:40:00+08:00', ratedAt: '2026-10-12T08:55:00+08:00' });
  await complete(api, caseId, 'callbackVerify', { genuine: true, reason: '窗口人员未一次性告知所需材料', realDemand: '希望当天办结', evidence: '大厅视频', evaluatorGender: '男', evaluatorEthnicity: '壮族', evaluatorHometown: '柳州市' });
  await setClock(api, '2026-10-13T10:00:00+08:00');
  await complete(api, caseId, 'unitRectify', { meetingHeld: true, responsiblePerson: '科长李四', investigation: '调阅视频属实', measures: '窗口张贴一次性告知清单', rectified: true, unitLeaderOpinion: '同意整改方案', signedBy: '王签收', signedAt: '2026-10-12 10:30' });
  await complete(api, caseId, 'feedbackEvaluator', { satisfied: true, evaluatorOpinion: '认可整改' });
  await complete(api, caseId, 'writeReport', { staffReception: '窗口人员接待时未一次性告知', investigation: '调阅大厅视频，情况属实', measures: '张贴一次性告知清单并培训' });
  await complete(api, caseId, 'leaderReviewReport', { reportApproved: true, leaderOpinion: '同意报送' });

  const list = await api.get(`/api/v1/counties/liudong/cases/${caseId}/documents`);
  expect(list.status).toBe(200);
  expect(list.body.items.map((d: { kind: string }) => d.kind)).toEqual(['registration', 'investigation-report']);
  // The 登记表 went back to 处理中心 when the unit completed it.
  expect(list.body.items[0].archived).toHaveLength(1);
  expect(list.body.items[1].archived).toHaveLength(0);

  const masked = await expectDocument('liudong', caseId, 'registration', [
    '差评办件登记表', '评价人姓名', '张*', '联系方式', '138****8000', '接收时间', '2026-10-12 09:00', '被评单位', '（窗口单位）', '柳东新区市场监督管理局（3号窗口）',
    '被评价人', '王小明', '办理编号', 'LD-2026-1012-007', '办理事项', '企业设立登记', '差评类型', '现场投诉差评办件', '“好差评”系统推送差评办件',
    '评价时间', '2026-10-12 08:55', '评价结果', '不满意', '差评内容', '工作人员服务态度生硬', '排队等候时间长', '排队很久，窗口人员态度生硬',
    '责任单位', '签收人：王签收', '签收时间：2026-10-12 10:30', '差评办件整改情况', '整改措施：窗口张贴一次性告知清单',
    '评价人对整改结果是否满意', '满意', '责任单位（部门）领导意见', '同意整改方案', '注：收到登记表后2个工作日内填写完成',
  ]);
  expect(masked.text).not.toContain('张三');
  expect(masked.text).not.toContain('13800138000');

  await expectDocument('liudong', caseId, 'investigation-report', [
    '关于LD-2026-1012-007差评办件调查整改报告', '2026年10月12日柳东新区市场监督管理局出现了一件评价结果为“不满意”的办件',
    '一、评价人基本情况', '评价人：张*', '性别：＊＊', '民族：＊＊', '身份证号码：', '电话号码：138****8000', '办理事项：企业设立登记', '申办流水号：LD-2026-1012-007',
    '二、服务人员接待情况', '窗口人员接待时未一次性告知', '三、调查处理情况', '在10月12日收到综合办公室关于出现“差评办件”反馈和核查要求后，立即电话联系了张*',
    '调阅大厅视频，情况属实', '四、整改措施', '张贴一次性告知清单并培训', '政管办领导意见：同意报送',
  ]);

  // A pii-reader sees the evaluator in clear, and that rendering is a reveal in the audit and the history.
  const revealed = await expectDocument('liudong', caseId, 'investigation-report', ['评价人：张三', '性别：男', '民族：壮族', '柳州市人', `身份证号码：${EVALUATOR.idNumber}`, '电话号码：13800138000'], READER, true);
  expect(revealed.text).toContain('张三');
  const audit = (await api.get('/api/v1/counties/liudong/pii-reveals')).body.items as Array<{ user: string; caseId: string; fields: string[] }>;
  expect(audit.some((a) => a.user === 'reader' && a.caseId === caseId && a.fields.some((f) => f.startsWith('document.investigation-report.')))).toBe(true);
  // An administrator is not a pii-reader.
  expect((await get(`/api/v1/counties/liudong/cases/${caseId}/documents/registration.pdf?reveal=true`)).status).toBe(403);

  // Sent to 效能督查科: archived, the hash in the history, the copy served byte for byte.
  await complete(api, caseId, 'fileAndReport', { reportSummary: '已整改，评价人满意', inBulletin: true, grave: false });
  const after = await api.get(`/api/v1/counties/liudong/cases/${caseId}/documents`);
  const copy = after.body.items[1].archived[0];
  expect(copy).toMatchObject({ archivedBy: 'test-admin', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  const bytes = await get(copy.pdf);
  expect(bytes.status).toBe(200);
  expect(createHash('sha256').update(bytes.bytes).digest('hex')).toBe(copy.sha256);
  const history = (await caseOf(api, 'liudong', caseId)).history as Array<{ type: string; data: { kind?: string; sha256?: string } }>;
  expect(history.filter((h) => h.type === 'document.archived').map((h) => [h.data.kind, h.data.sha256])).toEqual([
    ['registration', after.body.items[0].archived[0].sha256],
    ['investigation-report', copy.sha256],
  ]);
});

test('融安 (seed 001): 转办登记表 (附件4) and 调查整改报告 (附件5)', async () => {
  const api = app().api;
  await setClock(api, '2026-10-14T09:40:00+08:00');
  const caseId = await badRating(api, 'rongan', { caseNo: 'RA-2026-1014-002', unitId: 'ra-scjg', serviceName: '个体工商户登记', completedAt: '2026-10-14T09:00:00+08:00', ratedAt: '2026-10-14T09:30:00+08:00' });
  await complete(api, caseId, 'fillHandoverForm', { complaintContent: '窗口工作人员服务态度生硬', registeredBy: '县政管办覃签收', signedAt: '2026-10-14 09:50' });
  await complete(api, caseId, 'callbackVerify', { genuine: true, reason: '工作人员答复生硬', realDemand: '希望耐心解释', evidence: '窗口视频', videoSaved: true, evaluatorGender: '女', evaluatorEthnicity: '苗族', evaluatorHometown: '柳州市' });
  await complete(api, caseId, 'windowRectify', { meetingHeld: true, responsiblePerson: '覃某某', investigation: '属实', measures: '约谈、培训', rectified: true, headReviewed: true, investigator: '韦调查', investigatedParty: '窗口人员黄某', investigatorPhone: '0772-8123456' });
  await complete(api, caseId, 'secondCallback', { satisfied: true, evaluatorOpinion: '满意' });
  await complete(api, caseId, 'verifyRectification', { staffReception: '答复生硬，未耐心解释', investigation: '调阅视频，情况属实', measures: '约谈窗口人员并组织培训' });
  await complete(api, caseId, 'leaderReviewReport', { reportApproved: true, leaderOpinion: '同意报送督查科' });
  await expectDocument('rongan', caseId, 'handover-registration', [
    '差评办件转办登记表', '评价人姓名', '张*', '性别', '＊＊', '评价时间', '2026-10-14 09:30', '联系方式', '138****8000', '办理编号', 'RA-2026-1014-002', '办理事项', '个体工商户登记',
    '转办时间', '2026-10-14 09:40', '差评内容', '差评类型：', '1.现场投诉差评件', '2.“好差评”系统推送差评件', '窗口工作人员服务态度生硬', '县政管办', '签收记录', '签收人：县政管办覃签收', '签收时间：2026-10-14 09:50',
    '差评办件', '调查处理', '调查人', '韦调查', '调查对象', '窗口人员黄某', '电话：', '***3456', '采取措施：约谈、培训', '调查结果是否满意', '满意', '分管领导', '意见', '同意报送督查科',
  ]);
  await expectDocument('rongan', caseId, 'investigation-report', [
    '关于RA-2026-1014-002差评办件调查整改报告', '一、申请人基本情况', '申请人：张*', '办理事项：个体工商户登记', '申办流水号：RA-2026-1014-002', '收到县政管办关于出现“差评件”反馈和核查要求后',
    '二、服务人员接待情况', '答复生硬，未耐心解释', '三、调查处理情况', '调阅视频，情况属实', '四、整改措施', '约谈窗口人员并组织培训',
  ]);
  await complete(api, caseId, 'sendReport', { documentNo: '融政监〔2026〕31号' });
  const list = (await api.get(`/api/v1/counties/rongan/cases/${caseId}/documents`)).body.items as Array<{ kind: string; archived: unknown[] }>;
  expect(list.map((d) => [d.kind, d.archived.length])).toEqual([['handover-registration', 1], ['investigation-report', 1]]);
});

test('西双版纳 (seed 003): 核查整改情况报告表 (附件2) and 复核申请表 (附件3)', async () => {
  const api = app().api;
  await setClock(api, '2026-10-15T09:30:00+08:00');
  const caseId = await badRating(api, 'xishuangbanna', { caseNo: 'XSBN-2026-1015-001', unitId: 'xsbn-scjg', serviceName: '食品生产许可', completedAt: '2026-10-15T09:00:00+08:00', ratedAt: '2026-10-15T09:20:00+08:00' });
  await complete(api, caseId, 'forward', { forwardNote: '请核查整改' });
  await complete(api, caseId, 'classify', { handlingSection: '食品生产科', reviewRequested: false, complex: false });
  await complete(api, caseId, 'rectifySimple', { investigation: '属实', measures: '已当场补办并致歉', extensionRequested: false, evaluatorReplied: true });
  await complete(api, caseId, 'submitReportForm', { investigation: '核查属实，材料清单未公示', measures: '公示材料清单、补办、致歉', result: '已办结', feedbackToEvaluator: '已通过系统平台反馈' });
  await expectDocument('xishuangbanna', caseId, 'rectification-report', [
    '政务服务差评事项核查整改情况报告表', '被评价部门', '具体承办科室', '食品生产科', '办理编号', 'XSBN-2026-1015-001', '办理事项', '食品生产许可', '评价渠道', '政务大厅评价器',
    '评价时间', '2026-10-15 09:20', '评价等级', '不满意', '转办时间', '差评内容', '排队很久，窗口人员态度生硬', '核查情况', '核查属实，材料清单未公示', '整改措施', '公示材料清单、补办、致歉',
    '整改类型', '立行立改（2个工作日）', '整改完成时间', '延期情况', '按期整改', '整改结果', '已办结', '向差评投诉人', '反馈情况', '已通过系统平台反馈', '单位意见', '签名（盖章）：',
  ]);
  const list = (await api.get(`/api/v1/counties/xishuangbanna/cases/${caseId}/documents`)).body.items as Array<{ kind: string; archived: unknown[] }>;
  expect(list.map((d) => [d.kind, d.archived.length])).toEqual([['rectification-report', 1], ['review-application', 0]]);

  const second = await badRating(api, 'xishuangbanna', { caseNo: 'XSBN-2026-1015-002', unitId: 'xsbn-scjg', serviceName: '食品经营许可', completedAt: '2026-10-15T09:00:00+08:00', ratedAt: '2026-10-15T09:25:00+08:00' });
  await complete(api, second, 'forward', { forwardNote: '请核查' });
  await complete(api, second, 'classify', { handlingSection: '食品经营科', reviewRequested: true, complex: false });
  const open = (await api.get(`/api/v1/tasks?businessKey=${second}`)).body.items.map((t: { elementId: string }) => t.elementId) as string[];
  expect(open).toContain('applyReview');
  await complete(api, second, 'applyReview', { reviewMatter: '对食品经营许可办件的差评', untrueKind: 'mistaken', appealReason: '评价人当日已办结，误点不满意', unitOpinion: '申请复核纠正' }, open.filter((e) => e !== 'applyReview'));
  await expectDocument('xishuangbanna', second, 'review-application', [
    '政务服务“差评”复核申请表', '申请单位', '复核事项', '对食品经营许可办件的差评', 'XSBN-2026-1015-002', '申请复核理由', '〔误评〕评价人当日已办结，误点不满意', '单位意见', '申请复核纠正', '签名（盖章）：', '注：此表一式两份，牵头部门、申请部门各留存一份。',
  ]);
});

test('bad input: an unknown kind or file, another county, a case that is not one → 4xx naming what to ask for', async () => {
  const api = app().api;
  await setClock(api, '2026-10-16T09:30:00+08:00');
  const caseId = await badRating(api, 'liudong', { caseNo: 'LD-2026-1016-001', unitId: 'ld-scjg', serviceName: '企业设立登记', completedAt: '2026-10-16T09:00:00+08:00', ratedAt: '2026-10-16T09:20:00+08:00' });
  const unknown = await api.get(`/api/v1/counties/liudong/cases/${caseId}/documents/review-application.pdf`);
  expect(unknown.status).toBe(404);
  expect(unknown.body.message).toContain('registration, investigation-report');
  expect((await api.get(`/api/v1/counties/liudong/cases/${caseId}/documents/registration.docx`)).status).toBe(404);
  expect((await api.get(`/api/v1/counties/liudong/cases/not-a-case/documents`)).status).toBe(404);
  expect((await api.get(`/api/v1/counties/rongan/cases/${caseId}/documents/handover-registration.html`)).status).toBe(404);
  expect((await api.get(`/api/v1/counties/liudong/cases/${caseId}/documents/registration.html?reveal=maybe`)).status).toBe(400);
  expect((await api.get(`/api/v1/counties/liudong/cases/${caseId}/documents/archived/99.pdf`)).status).toBe(404);
});
