/**
 * Whole cases as the people who run them see them: a 办件 is registered, the evaluator's bad rating (or an
 * on-site complaint) arrives over HTTP, and the county's staff complete every task through the inbox
 * until the case is archived. The real processes/ and templates/ folders, the simulated clock.
 */
import { COUNTIES, PROCESSES_DIR, TEMPLATES_DIR } from '../processes/support';
import { ApiClient, TestApp, useApp } from '../support/harness';

export { COUNTIES };

export const EVALUATOR = { kind: 'person', name: '张三', phone: '13800138000', idNumber: '11010519491231002X' };

/** One application on the real county folders for a whole scenario file. */
export function countyApp(): () => TestApp {
  let app: TestApp;
  useApp((a) => (app = a), { processesDir: PROCESSES_DIR, templatesDir: TEMPLATES_DIR });
  return () => app;
}

export async function setClock(api: ApiClient, now: string): Promise<void> {
  const r = await api.put('/api/v1/admin/clock', { now });
  expect(r.status).toBe(200);
}

/** The 办件 register and a bad rating of it: answers the case id the rating opened. */
export async function badRating(api: ApiClient, county: string, o: { caseNo: string; unitId: string; serviceName: string; ratedAt: string; completedAt: string }): Promise<string> {
  const sc = await api.post(`/api/v1/counties/${county}/service-cases`, {
    caseNo: o.caseNo,
    serviceCode: `${county}-SVC-001`,
    serviceName: o.serviceName,
    unitId: o.unitId,
    window: '3号窗口',
    staffName: '王小明',
    mode: 'on-site',
    acceptedAt: o.completedAt,
    completedAt: o.completedAt,
  });
  expect(sc.status).toBe(201);
  const r = await api.post(`/api/v1/counties/${county}/evaluations`, {
    senderId: `device:${o.caseNo}`,
    caseNo: o.caseNo,
    level: '不满意',
    channel: '4',
    options: ['attitude-3', 'efficiency-3'],
    comment: '排队很久，窗口人员态度生硬',
    evaluator: EVALUATOR,
    ratedAt: o.ratedAt,
  });
  expect(r.status).toBe(201);
  expect(r.body).toMatchObject({ bad: true, evaluator: { name: '张*', phone: '138****8000' } });
  return r.body.caseId;
}

/** The element ids of the case's open tasks, sorted. */
export async function openTasks(api: ApiClient, caseId: string): Promise<string[]> {
  const open = (await api.get(`/api/v1/tasks?businessKey=${caseId}`)).body.items as Array<{ elementId: string }>;
  return open.map((t) => t.elementId).sort();
}

/** Completes the case's open task of `elementId` (the only one open unless `alongside` names the others); answers the task as it was. */
export async function complete(api: ApiClient, caseId: string, elementId: string, variables: Record<string, unknown>, alongside: string[] = []) {
  await snapshot(api, caseId);
  const open = (await api.get(`/api/v1/tasks?businessKey=${caseId}`)).body.items as Array<{ id: string; elementId: string; dueAt: string | null }>;
  expect(open.map((t) => t.elementId).sort()).toEqual([elementId, ...alongside].sort());
  const task = open.find((t) => t.elementId === elementId)!;
  const r = await api.post(`/api/v1/tasks/${task.id}/complete`, { variables });
  if (r.status !== 200) throw new Error(`${elementId}: ${r.status} ${JSON.stringify(r.body)}`);
  return task;
}

export async function caseOf(api: ApiClient, county: string, caseId: string) {
  const r = await api.get(`/api/v1/counties/${county}/cases/${caseId}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** The case is archived, its instance completed, no task left open, and its history begins with the start and ends with the completion. */
export async function expectArchived(api: ApiClient, county: string, caseId: string): Promise<void> {
  const c = await caseOf(api, county, caseId);
  expect(c).toMatchObject({ status: 'archived', outcome: 'genuine', openTasks: [] });
  expect(c.instance.status).toBe('completed');
  expect(c.history[0].type).toBe('instance.started');
  // A document the last step sent onward is archived just after that step (document.archived).
  expect(c.history.filter((h: { type: string }) => h.type !== 'document.archived').at(-1).type).toBe('instance.completed');
  await expectReplayed(api, c.instance.id, caseId);
}

/** What the runner stored before each completion of a case: its revision, open tasks and variables (read through the API). */
interface Snapshot {
  revision: number;
  tasks: Array<{ id: string; elementId: string; assignee: string | null; dueAt: string | null }>;
  variables: Record<string, unknown>;
}
const snapshots = new Map<string, Snapshot[]>();

async function snapshot(api: ApiClient, caseId: string): Promise<void> {
  const tasks = (await api.get(`/api/v1/tasks?businessKey=${caseId}`)).body.items as Array<{ id: string; elementId: string; assignee: string | null; dueAt: string | null; instanceId: string }>;
  if (!tasks.length) return;
  const inst = (await api.get(`/api/v1/process-instances/${tasks[0].instanceId}`)).body;
  const list = snapshots.get(caseId) ?? [];
  list.push({
    revision: inst.revision,
    tasks: tasks.map((t) => ({ id: t.id, elementId: t.elementId, assignee: t.assignee ?? null, dueAt: t.dueAt })).sort((a, b) => a.id.localeCompare(b.id)),
    variables: inst.variables,
  });
  snapshots.set(caseId, list);
}

/**
 * Replay (src/audit/replay.ts): at every revision stored before a completion, the replayed open tasks and
 * variables equal what the runner stored; the completed end equals the stored instance; re-executing the
 * whole history gives every recorded step (replay/check consistent); the hash chain verifies.
 */
export async function expectReplayed(api: ApiClient, instanceId: string, caseId: string): Promise<void> {
  const seen = snapshots.get(caseId) ?? [];
  expect(seen.length).toBeGreaterThan(0);
  for (const snap of seen) {
    const r = await api.get(`/api/v1/process-instances/${instanceId}/replay?revision=${snap.revision}`);
    expect(r.status).toBe(200);
    const tasks = (r.body.openTasks as Snapshot['tasks']).map((t) => ({ id: t.id, elementId: t.elementId, assignee: t.assignee, dueAt: t.dueAt })).sort((a, b) => a.id.localeCompare(b.id));
    expect({ revision: r.body.revision, tasks, variables: r.body.variables }).toEqual(snap);
  }
  const inst = (await api.get(`/api/v1/process-instances/${instanceId}`)).body;
  const end = (await api.get(`/api/v1/process-instances/${instanceId}/replay`)).body;
  expect(end).toMatchObject({ status: 'completed', revision: inst.revision, openTasks: [], timers: [] });
  expect(end.variables).toEqual(inst.variables);
  const check = (await api.get(`/api/v1/process-instances/${instanceId}/replay/check`)).body;
  expect(check.status === 'consistent' ? check : JSON.stringify(check)).toMatchObject({ status: 'consistent' });
  expect((await api.get(`/api/v1/process-instances/${instanceId}/verify`)).body).toMatchObject({ status: 'ok' });
}
