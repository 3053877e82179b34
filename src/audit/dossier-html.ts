/**
 * The printable case file (案卷) of an instance for auditors: handlebars over the dossier JSON
 * (src/audit/audit.service.ts). Everything is escaped by handlebars; no script, styles for print.
 */
import Handlebars from 'handlebars';

const TEMPLATE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>案卷 Dossier {{instance.id}}</title>
<style>
body{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:2em;color:#111}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;font-size:.8em}td,th{border:1px solid #bbb;padding:2px 4px;vertical-align:top;text-align:left}
.ok{color:#060;font-weight:bold}.bad{color:#a00;font-weight:bold}code{font-size:.85em;word-break:break-all}
pre{white-space:pre-wrap;font-size:.7em;border:1px solid #ccc;padding:4px;max-height:none}
@media print{pre{page-break-inside:auto}h2{page-break-after:avoid}}
</style></head><body>
<h1>差评办件案卷 Case file — {{instance.countyName}}</h1>
<table>
<tr><th>实例 Instance</th><td><code>{{instance.id}}</code></td><th>流程 Process</th><td>{{instance.processKey}} v{{diagram.version}}</td></tr>
<tr><th>业务号 Business key</th><td>{{instance.businessKey}}</td><th>状态 Status</th><td>{{instance.status}} (revision {{instance.revision}})</td></tr>
<tr><th>开始 Started</th><td>{{instance.startedAt}}</td><th>结束 Ended</th><td>{{instance.endedAt}}</td></tr>
{{#if case}}<tr><th>办件 Case</th><td>{{case.case_no}} {{case.service_name}}</td><th>责任单位 Unit</th><td>{{case.unit_name}} {{case.window_name}}</td></tr>
<tr><th>案件状态 Case status</th><td>{{case.status}}</td><th>结果 Outcome</th><td>{{case.outcome}}</td></tr>{{/if}}
<tr><th>生成 Generated</th><td>{{generatedAt}}</td><th>调阅人 Read by</th><td>{{generatedBy}} (this read is journaled)</td></tr>
</table>
<h2>哈希链校验 Hash-chain verification (SM3)</h2>
{{#if verificationOk}}<p class="ok">ok — {{verification.rows}} rows, chain intact</p>
{{else}}<p class="bad">broken: {{verification.reason}} — {{verification.message}}</p>{{/if}}
<h2>重放核验 Re-execution proof</h2>
{{#if replayConsistent}}<p class="ok">consistent — {{replayCheck.steps}} steps re-executed give the recorded results</p>
{{else}}<p class="bad">{{replayCheck.status}}: {{replayCheck.divergence.reason}} {{replayCheck.divergence.message}}{{replayCheck.message}}</p>{{/if}}
<h2>各步状态 State after each step</h2>
<table><tr><th>#</th><th>revision</th><th>时间 at</th><th>动作 action</th><th>by</th><th>status</th><th>待办 open tasks (assignee, due)</th><th>timers</th></tr>
{{#each steps}}<tr><td>{{inc @index}}</td><td>{{revision}}</td><td>{{at}}</td><td>{{action}}</td><td>{{actor}}</td><td>{{status}}</td>
<td>{{#each openTasks}}{{elementId}} {{name}} ({{assignee}}, {{dueAt}}{{#if overdue}}, overdue{{/if}})<br>{{/each}}</td>
<td>{{#each timers}}{{elementId}} {{dueAt}}<br>{{/each}}</td></tr>{{/each}}</table>
<h2>日志 Journal ({{journal.length}} rows)</h2>
<table><tr><th>seq</th><th>时间 at</th><th>rev</th><th>type</th><th>element</th><th>actor</th><th>data</th><th>hash</th></tr>
{{#each journal}}<tr><td>{{seq}}</td><td>{{at}}</td><td>{{revision}}</td><td>{{type}}</td><td>{{elementId}}</td><td>{{actor}}</td><td><code>{{json data}}</code></td><td><code>{{hash}}</code></td></tr>{{/each}}</table>
<h2>流程图 Diagram XML (version {{diagram.version}}, sha256 {{diagram.checksum}})</h2>
<pre>{{diagram.xml}}</pre>
</body></html>`;

const hbs = Handlebars.create();
hbs.registerHelper('json', (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v)));
hbs.registerHelper('inc', (n: number) => n + 1);
const template = hbs.compile(TEMPLATE, { strict: false });

export function renderDossier(dossier: Record<string, unknown> & { verification: { status: string }; replayCheck: { status: string } }): string {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
  const d = JSON.parse(JSON.stringify(dossier, (_k, v) => iso(v)));
  return template({ ...d, verificationOk: dossier.verification.status === 'ok', replayConsistent: dossier.replayCheck.status === 'consistent' });
}
