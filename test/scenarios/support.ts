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
}
