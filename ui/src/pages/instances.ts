/**
 * /ui/instances/{id}: the path of a case on its diagram, for auditors. bpmn-js's NavigatedViewer (bundled
 * from node_modules, the bpmn.io watermark kept) draws the version the instance ran; the executed
 * activities and flows are marked, with how often each was entered and the due / overdue badge of each
 * open task; a slider over the steps redraws the state replayed at that step (GET …/path, which
 * re-executes the recorded inputs on the server).
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '../style.css';
import '../instances.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { ApiError, api, escapeHtml, signIn } from '../api';

interface Step {
  revision: number;
  at: string | null;
  action: string;
  actor: string | null;
  status: string;
  activeActivities: Array<{ elementId: string; type: string }>;
  openTasks: Array<{ id: string; elementId: string; name: string | null; assignee: string | null; dueAt: string | null; overdue: boolean }>;
  timers: Array<{ elementId: string; dueAt: string }>;
  path: { activities: string[]; flows: string[] };
}

interface PathAnswer {
  instance: { id: string; county: string; processKey: string; businessKey: string | null; status: string; revision: number };
  diagram: { id: string; version: number; xml: string } | null;
  now: string;
  steps: Step[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

async function main() {
  const root = document.getElementById('app')!;
  await signIn(root);
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean)[2] ?? '');
  let data: PathAnswer;
  try {
    data = await api<PathAnswer>('GET', `/api/v1/process-instances/${encodeURIComponent(id)}/path`);
  } catch (err) {
    root.innerHTML = `<p class="bad">${escapeHtml(err instanceof ApiError ? err.message : String(err))}</p>`;
    document.body.dataset.loaded = 'error';
    return;
  }
  const verify = await api<{ status: string; rows?: number; reason?: string }>('GET', `/api/v1/process-instances/${encodeURIComponent(id)}/verify`).catch(() => ({ status: 'unknown' }) as { status: string });
  const last = Math.max(0, data.steps.length - 1);
  root.innerHTML = `
    <div class="trail">
      <div id="canvas"></div>
      <aside>
        <h1>办件轨迹 Case path</h1>
        <p>${escapeHtml(data.instance.processKey)} v${data.diagram?.version ?? '?'} · ${escapeHtml(data.instance.county)} · ${escapeHtml(data.instance.businessKey ?? '')}<br>
        状态 status: <b id="instance-status">${escapeHtml(data.instance.status)}</b> · 哈希链 chain:
        <span id="chain" class="${verify.status === 'ok' ? 'ok' : 'bad'}">${escapeHtml(verify.status)}</span></p>
        <div id="step"></div>
      </aside>
      <div class="slider">
        <label for="steps">步骤 Step</label>
        <input id="steps" type="range" min="0" max="${last}" value="${last}" step="1" />
        <span id="step-label"></span>
      </div>
    </div>`;
  const viewer: Any = new NavigatedViewer({ container: '#canvas' });
  await viewer.importXML(data.diagram?.xml ?? '');
  const canvas: Any = viewer.get('canvas');
  const overlays: Any = viewer.get('overlays');
  const registry: Any = viewer.get('elementRegistry');
  canvas.zoom('fit-viewport');
  const marked = new Set<string>();

  const draw = (index: number) => {
    for (const key of marked) {
      const [el, cls] = key.split('|');
      canvas.removeMarker(el, cls);
    }
    marked.clear();
    overlays.remove({ type: 'trail' });
    const mark = (el: string, cls: string) => {
      if (!registry.get(el) || marked.has(`${el}|${cls}`)) return;
      canvas.addMarker(el, cls);
      marked.add(`${el}|${cls}`);
    };
    const entered: Record<string, number> = {};
    for (const s of data.steps.slice(0, index + 1)) {
      for (const a of s.path.activities) {
        entered[a] = (entered[a] ?? 0) + 1;
        mark(a, 'executed');
      }
      for (const f of s.path.flows) mark(f, 'executed');
    }
    const step = data.steps[index];
    if (!step) return;
    for (const a of step.activeActivities) mark(a.elementId, 'active');
    for (const [el, n] of Object.entries(entered)) {
      if (!registry.get(el)) continue;
      overlays.add(el, 'trail', { position: { top: -10, right: 10 }, html: `<span class="badge count" data-count-for="${escapeHtml(el)}">${n}×</span>` });
    }
    const at = step.at ? new Date(step.at) : new Date(data.now);
    for (const t of step.openTasks) {
      if (!registry.get(t.elementId) || !t.dueAt) continue;
      const overdue = new Date(t.dueAt).getTime() < at.getTime();
      overlays.add(t.elementId, 'trail', {
        position: { bottom: 0, left: -5 },
        html: `<span class="badge ${overdue ? 'overdue' : 'due'}">${overdue ? '逾期 overdue' : '期限 due'} ${escapeHtml(new Date(t.dueAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }))}</span>`,
      });
    }
    document.getElementById('step-label')!.textContent = `${index + 1} / ${data.steps.length} · revision ${step.revision}`;
    document.getElementById('step')!.innerHTML = `
      <table>
        <tr><th>时间 at</th><td>${escapeHtml(step.at ? new Date(step.at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }) : '')}</td></tr>
        <tr><th>动作 action</th><td id="step-action">${escapeHtml(step.action)}</td></tr>
        <tr><th>操作人 by</th><td>${escapeHtml(step.actor ?? '')}</td></tr>
        <tr><th>状态 status</th><td id="step-status">${escapeHtml(step.status)}</td></tr>
      </table>
      <h2>待办 Open tasks</h2>
      <ul id="open-tasks">${step.openTasks.map((t) => `<li data-element-id="${escapeHtml(t.elementId)}">${escapeHtml(t.name ?? t.elementId)} — ${escapeHtml(t.assignee ?? '未认领 unclaimed')}${t.dueAt ? `, 期限 ${escapeHtml(new Date(t.dueAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }))}` : ''}${t.overdue ? ' <span class="badge overdue">逾期</span>' : ''}</li>`).join('') || '<li>—</li>'}</ul>
      <h2>定时器 Timers</h2>
      <ul>${step.timers.map((t) => `<li>${escapeHtml(t.elementId)} ${escapeHtml(new Date(t.dueAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }))}</li>`).join('') || '<li>—</li>'}</ul>`;
    document.body.dataset.step = String(index);
  };
  const slider = document.getElementById('steps') as HTMLInputElement;
  slider.addEventListener('input', () => draw(Number(slider.value)));
  draw(last);
  document.body.dataset.loaded = data.instance.id;
}

main().catch((err) => {
  document.getElementById('app')!.innerHTML = `<p class="bad">${String(err?.message ?? err)}</p>`;
});
