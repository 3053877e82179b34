/** Helpers shared by the calendar API tests (real server, real database; see test/support/harness.ts). */
import type { TestApp } from '../support/harness';

/** Sets the simulated clock through the API; answers how many timers fired. */
export async function setClock(app: TestApp, now: string): Promise<number> {
  const res = await app.api.put('/api/v1/admin/clock', { now });
  if (res.status !== 200) throw new Error(`PUT /api/v1/admin/clock ${now}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.timersFired;
}

export async function startInstance(app: TestApp, county: string, processKey: string, businessKey: string, variables: Record<string, unknown> = {}) {
  const res = await app.api.post(`/api/v1/counties/${county}/process-instances`, { processKey, businessKey, variables });
  if (res.status !== 201) throw new Error(`start ${processKey}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; status: string };
}

export async function taskOf(app: TestApp, instanceId: string, status = 'open') {
  const res = await app.api.get(`/api/v1/tasks?instanceId=${instanceId}&status=${status}`);
  if (res.status !== 200 || res.body.items.length !== 1) throw new Error(`tasks of ${instanceId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items[0];
}

export async function history(app: TestApp, instanceId: string): Promise<Array<{ type: string; elementId: string | null; actor: string | null; data: any; at: string }>> {
  const res = await app.api.get(`/api/v1/process-instances/${instanceId}/history`);
  if (res.status !== 200) throw new Error(`history of ${instanceId}: ${res.status}`);
  return res.body.events;
}

export function iso(instant: string | Date): string {
  return new Date(instant).toISOString();
}

/** A user with a known token, created through the API. */
export async function createUser(app: TestApp, id: string, roles: string[], counties: string[]) {
  const token = `tok-${id}-0123456789abcdef`;
  const res = await app.api.post('/api/v1/admin/users', { id, roles, counties, token });
  if (res.status !== 201) throw new Error(`create user ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return app.api.as(token);
}
