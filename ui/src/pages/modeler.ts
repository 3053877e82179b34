/**
 * /ui/modeler: a process administrator edits a county's diagram in the browser and deploys it. bpmn-js
 * with the properties panel and the Camunda moddle (candidate groups, form key, due date as fields),
 * bundled from node_modules (no CDN), with the bpmn.io watermark its licence asks for. Open the latest or
 * any version, lint as you go (the server's bpmnlint rules), edit the forms beside the diagram, see what a
 * deadline expression means on the county's calendar, check with the server (a dry run: what it would
 * refuse, what would happen to running instances), deploy.
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import '../style.css';
import '../modeler.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule } from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import { ApiError, api, escapeHtml, signIn } from '../api';
import { LintFinding, lint } from '../lint';

interface DefinitionSummary {
  id: string;
  county_id: string;
  process_key: string;
  version: number;
  name: string | null;
  file_name: string | null;
  deployed_by: string;
  deployed_at: string;
}

interface DefinitionFull extends DefinitionSummary {
  source: string;
  elements: { forms?: Record<string, unknown> };
}

// bpmn-js services, as far as this page uses them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const state = {
  county: '',
  processKey: '',
  loaded: undefined as DefinitionFull | undefined,
  /** Forms of the diagram: formKey → JSON text, and which the administrator changed (only those are sent). */
  forms: new Map<string, { text: string; dirty: boolean }>(),
  findings: [] as LintFinding[],
};

async function main() {
  const root = document.getElementById('app')!;
  const me = await signIn(root);
  root.innerHTML = `
    <header><h1>流程建模 Process modeler</h1>
      <label>County 辖区 <select id="county"></select></label>
      <label>Process 流程 <select id="process"></select></label>
      <label>Version 版本 <select id="version"></select></label>
      <span class="who">${escapeHtml(me.id)}</span>
    </header>
    <div class="toolbar">
      <button id="lint">Lint 检查</button>
      <button id="check">Check with the server 预检</button>
      <label title='Old element id → new element id, for waits renamed in this version'>Migration plan 迁移计划 <input id="plan" placeholder='{"oldTask": "newTask"}' size="28"></label>
      <label><input type="checkbox" id="keep"> keep stranded instances on their version 保留旧版本</label>
      <button id="deploy" class="primary">Deploy 部署</button>
      <span id="status" role="status"></span>
    </div>
    <main class="modeler">
      <div id="canvas"></div>
      <aside>
        <div id="properties"></div>
        <div id="deadline" class="box"><h3>Deadline 期限</h3><p class="hint">Select a user task with a due date to see what it means.</p></div>
      </aside>
    </main>
    <section class="panels">
      <div class="box" id="lint-box"><h3>Lint 规范检查 <span id="lint-count"></span></h3><ul id="lint-list"></ul></div>
      <div class="box" id="check-box"><h3>Server check 服务器预检</h3><div id="check-result" class="hint">Not checked yet.</div></div>
      <div class="box" id="forms-box"><h3>Forms 表单 (forms/*.json)</h3><div id="forms"></div></div>
    </section>`;

  const modeler: Any = new BpmnModeler({
    container: '#canvas',
    propertiesPanel: { parent: '#properties' },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule, CamundaBehaviorsModule],
    moddleExtensions: { camunda: camundaModdle },
  });
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
  const status = (text: string, kind: 'ok' | 'error' | '' = '') => {
    const s = $('status');
    s.textContent = text;
    s.className = kind;
  };

  const defs = (await api<{ items: DefinitionSummary[] }>('GET', '/api/v1/definitions?versions=all')).items;
  const counties = [...new Set(defs.map((d) => d.county_id))];
  const params = new URLSearchParams(location.search);
  const select = (id: string, options: Array<[string, string]>, value?: string) => {
    const el = $<HTMLSelectElement>(id);
    el.innerHTML = options.map(([v, label]) => `<option value="${escapeHtml(v)}">${escapeHtml(label)}</option>`).join('');
    if (value && options.some(([v]) => v === value)) el.value = value;
  };
  let all = defs;
  const refreshLists = async (keepVersion?: string) => {
    all = (await api<{ items: DefinitionSummary[] }>('GET', '/api/v1/definitions?versions=all')).items;
    const processes = [...new Set(all.filter((d) => d.county_id === state.county).map((d) => d.process_key))];
    select('process', processes.map((p) => [p, p]), state.processKey);
    state.processKey = $<HTMLSelectElement>('process').value;
    const versions = all.filter((d) => d.county_id === state.county && d.process_key === state.processKey).sort((a, b) => b.version - a.version);
    select('version', versions.map((v, i) => [v.id, `v${v.version}${i === 0 ? ' (latest 最新)' : ''} · ${v.deployed_by} · ${v.deployed_at.slice(0, 10)}`]), keepVersion);
  };

  select('county', counties.map((c) => [c, c]), params.get('county') ?? undefined);
  state.county = $<HTMLSelectElement>('county').value;
  state.processKey = params.get('process') ?? '';
  await refreshLists(params.get('version') ?? undefined);

  const load = async () => {
    const id = $<HTMLSelectElement>('version').value;
    if (!id) return;
    const def = await api<DefinitionFull>('GET', `/api/v1/definitions/${id}`);
    state.loaded = def;
    state.forms.clear();
    for (const [key, schema] of Object.entries(def.elements.forms ?? {})) state.forms.set(key, { text: JSON.stringify(schema, null, 2), dirty: false });
    const { warnings } = await modeler.importXML(def.source);
    modeler.get('canvas').zoom('fit-viewport');
    status(`Loaded ${def.process_key} v${def.version}${warnings.length ? ` (${warnings.length} import warnings)` : ''}`, 'ok');
    document.body.dataset.loaded = `${def.process_key}:v${def.version}`;
    renderForms();
    await runLint();
  };

  $('county').addEventListener('change', async () => {
    state.county = $<HTMLSelectElement>('county').value;
    state.processKey = '';
    await refreshLists();
    await load();
  });
  $('process').addEventListener('change', async () => {
    state.processKey = $<HTMLSelectElement>('process').value;
    await refreshLists();
    await load();
  });
  $('version').addEventListener('change', () => void load());

  // ---- lint ----
  let overlayIds: string[] = [];
  const runLint = async () => {
    const overlays = modeler.get('overlays');
    for (const id of overlayIds) overlays.remove(id);
    overlayIds = [];
    const findings = await lint(modeler.getDefinitions());
    state.findings = findings;
    const errors = findings.filter((f) => f.severity === 'error').length;
    $('lint-count').textContent = `${errors} error(s), ${findings.length - errors} warning(s)`;
    $('lint-list').innerHTML = findings.length
      ? findings.map((f, i) => `<li class="${f.severity}" data-i="${i}"><b>${escapeHtml(f.element ?? '')}</b> ${escapeHtml(f.message)} <span class="rule">${escapeHtml(f.rule)}</span></li>`).join('')
      : '<li class="ok">No findings: the diagram passes bpmnlint:recommended.</li>';
    const registry = modeler.get('elementRegistry');
    for (const f of findings) {
      if (!f.element || !registry.get(f.element)) continue;
      overlayIds.push(overlays.add(f.element, 'lint', { position: { top: -10, right: 10 }, html: `<div class="lint-badge ${f.severity}" title="${escapeHtml(f.message)}">${f.severity === 'error' ? '!' : '?'}</div>` }));
    }
  };
  $('lint-list').addEventListener('click', (e) => {
    const li = (e.target as HTMLElement).closest('li[data-i]') as HTMLElement | null;
    const f = li ? state.findings[Number(li.dataset.i)] : undefined;
    const el = f?.element && modeler.get('elementRegistry').get(f.element);
    if (el) modeler.get('selection').select(el);
  });
  $('lint').addEventListener('click', () => void runLint());
  let lintTimer: number | undefined;
  modeler.on('commandStack.changed', () => {
    clearTimeout(lintTimer);
    lintTimer = window.setTimeout(() => void runLint(), 400);
    renderForms();
    void showDeadline();
  });

  // ---- deadline preview: what the expression means on the county's calendar ----
  const showDeadline = async () => {
    const selected = modeler.get('selection').get()[0];
    const bo = selected?.businessObject;
    const box = $('deadline');
    const expr: string | undefined = bo?.$type === 'bpmn:UserTask' ? bo.get('camunda:dueDate') : undefined;
    if (!expr) {
      box.innerHTML = '<h3>Deadline 期限</h3><p class="hint">Select a user task with a due date to see what it means.</p>';
      return;
    }
    const sample = ($<HTMLInputElement>('deadline-from')?.value || new Date().toISOString().slice(0, 16)).slice(0, 16);
    box.innerHTML = `<h3>Deadline 期限</h3><p><code>${escapeHtml(expr)}</code></p>
      <label class="hint">received 收到 <input type="datetime-local" id="deadline-from" value="${escapeHtml(sample)}"></label><div id="deadline-meaning" class="hint">…</div>`;
    $('deadline-from').addEventListener('change', () => void showDeadline());
    if (expr.includes('${')) {
      $('deadline-meaning').textContent = 'An expression resolved when the task begins; it cannot be shown in advance.';
      return;
    }
    try {
      const from = `${sample}:00+08:00`;
      const r = await api<{ meaning: string; due: string; provisional: boolean; skipped?: unknown[] }>('GET', `/api/v1/calendars/${encodeURIComponent(state.county)}/add?from=${encodeURIComponent(from)}&expr=${encodeURIComponent(expr)}`);
      const meaning = $('deadline-meaning');
      meaning.className = 'ok';
      meaning.innerHTML = `${escapeHtml(r.meaning)}<br>due 截止 <b>${escapeHtml(r.due.replace('T', ' ').replace('+08:00', ''))}</b>${r.provisional ? ' (provisional: next year\'s calendar not loaded)' : ''}`;
    } catch (err) {
      const meaning = $('deadline-meaning');
      meaning.className = 'error';
      meaning.textContent = err instanceof ApiError ? err.message : String(err);
    }
  };
  modeler.on('selection.changed', () => void showDeadline());

  // ---- forms beside the diagram ----
  const formKeys = (): string[] => {
    const keys = new Set<string>();
    for (const el of modeler.get('elementRegistry').getAll()) {
      const key = el.businessObject?.$type === 'bpmn:UserTask' ? el.businessObject.get('camunda:formKey') : undefined;
      if (key) keys.add(key);
    }
    return [...keys].sort();
  };
  const renderForms = () => {
    const box = $('forms');
    const keys = formKeys();
    const shown = [...box.querySelectorAll('textarea')].map((t) => t.dataset.key).join(',');
    if (shown === keys.join(',')) return;
    box.innerHTML = keys.length
      ? keys
          .map((k) => {
            if (!state.forms.has(k)) state.forms.set(k, { text: JSON.stringify({ title: k, type: 'object', properties: {}, required: [], additionalProperties: false }, null, 2), dirty: true });
            const f = state.forms.get(k)!;
            return `<details${f.dirty ? ' open' : ''}><summary>${escapeHtml(k)}.json${f.dirty ? ' <i>(new or changed: sent with the deploy)</i>' : ''}</summary><textarea data-key="${escapeHtml(k)}" rows="10" spellcheck="false">${escapeHtml(f.text)}</textarea></details>`;
          })
          .join('')
      : '<p class="hint">No user task of this diagram names a form (camunda:formKey).</p>';
    box.querySelectorAll('textarea').forEach((t) =>
      t.addEventListener('input', () => {
        state.forms.set(t.dataset.key!, { text: t.value, dirty: true });
        t.classList.remove('error');
      }),
    );
  };

  // ---- check (dry run) and deploy ----
  const request = async (dryRun: boolean) => {
    const { xml } = await modeler.saveXML({ format: true });
    const forms: Record<string, unknown> = {};
    for (const [key, f] of state.forms) {
      if (!f.dirty || !formKeys().includes(key)) continue;
      try {
        forms[key] = JSON.parse(f.text);
      } catch {
        throw new Error(`forms/${key}.json is not valid JSON`);
      }
    }
    const planText = $<HTMLInputElement>('plan').value.trim();
    let migration: unknown;
    if (planText) {
      try {
        migration = JSON.parse(planText);
      } catch {
        throw new Error('The migration plan is not valid JSON: {"oldElementId": "newElementId"}');
      }
    }
    const body = { xml, fileName: state.loaded?.file_name ?? `${state.processKey}.bpmn`, forms, migration, keepStranded: $<HTMLInputElement>('keep').checked };
    return api<Any>('POST', `/api/v1/counties/${encodeURIComponent(state.county)}/deployments${dryRun ? '?dryRun=true' : ''}`, body);
  };
  const describeInstances = (instances: Any) => {
    if (!instances) return '';
    const rows = (instances.instances as Any[])
      .slice(0, 20)
      .map((i) => `<li class="${i.outcome === 'stranded' ? 'error' : ''}">${escapeHtml(i.businessKey ?? i.instanceId)} v${i.version}: ${escapeHtml(i.outcome)} (waits at ${escapeHtml(i.waitingAt.join(', '))})${i.stranded.length ? ` — ${escapeHtml(i.stranded.map((s: Any) => `${s.element}: ${s.reason}`).join('; '))}` : ''}</li>`)
      .join('');
    return `<p>Running instances 运行中的办件: ${instances.running} — move to the new version ${instances.move}, stranded ${instances.stranded}, kept ${instances.keep}</p>${rows ? `<ul>${rows}</ul>` : ''}`;
  };
  const showError = (err: unknown) => {
    const e = err as ApiError;
    const details = e.body?.details ?? [];
    $('check-result').className = 'error';
    $('check-result').innerHTML = `<p>${escapeHtml(e.message)}</p>${details.length ? `<ul>${details.map((d) => `<li><b>${escapeHtml(d.field)}</b> ${escapeHtml(d.reason)}</li>`).join('')}</ul>` : ''}`;
    status(e.body?.error === 'migration_required' ? 'Refused: running instances would be stranded' : 'Refused by the server', 'error');
  };
  $('check').addEventListener('click', async () => {
    try {
      const r = await request(true);
      $('check-result').className = 'ok';
      $('check-result').innerHTML = `<p>${r.created ? `The server would accept it as <b>v${r.version}</b>.` : `Unchanged: the same content is v${r.version}.`}</p>${describeInstances(r.instances)}`;
      status('Check passed', 'ok');
    } catch (err) {
      showError(err);
    }
  });
  $('deploy').addEventListener('click', async () => {
    try {
      await runLint();
      const r = await request(false);
      for (const f of state.forms.values()) f.dirty = false;
      $('check-result').className = 'ok';
      $('check-result').innerHTML = `<p>${r.created ? `Deployed as <b>v${r.version}</b>.` : `Unchanged: v${r.version} has this content already.`}</p>${describeInstances(r.instances)}${r.migration ? `<p>Migration: ${r.migration.moved} moved, ${r.migration.leftBehind.length} left on their version (${escapeHtml(r.migration.status)})</p>` : ''}`;
      status(r.created ? `Deployed v${r.version}` : `Unchanged (v${r.version})`, 'ok');
      await refreshLists(r.id);
      document.body.dataset.deployed = `v${r.version}`;
    } catch (err) {
      if (err instanceof ApiError) showError(err);
      else status((err as Error).message, 'error');
    }
  });

  await load();
}

void main();
