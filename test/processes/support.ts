/**
 * Helpers for the jurisdictions' scenario tests: the real processes/ and templates/ folders, and small
 * drivers over HTTP (start a case, find its open task, complete it, move the clock). Due instants in
 * the tests are worked out by hand from the 2026 calendars (src/calendar/data) and written as UTC.
 */
import * as path from 'node:path';
import { TestApp, useApp } from '../support/harness';

export const REPO = path.resolve(__dirname, '..', '..');
export const PROCESSES_DIR = path.join(REPO, 'processes');
export const TEMPLATES_DIR = path.join(REPO, 'templates');
export const COUNTIES = ['liudong', 'rongan', 'xinhua', 'xishuangbanna', 'siping'];

export interface TaskView {
  id: string;
  instanceId: string;
  elementId: string;
  name: string;
  candidateGroups: string[];
  formKey: string | null;
  dueAt: string | null;
  dueExpression: string | null;
  dueProvisional: boolean;
  status: string;
  completedAt: string | null;
}

export interface OutboxView {
  topic: string;
  recipients: string[];
  body: string;
  payload: { template: string; elementId: string };
}

/** The variables the intake passes when it starts a case (never the evaluator's name, phone or ID). */
export function caseVariables(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    caseId: 'case-1',
    receivedAt: '2026-01-05T02:00:00.000Z',
    kind: 'system-pushed',
    unitId: 'unit-1',
    unitName: '某局',
    serviceName: '企业设立登记',
    serviceCode: '11450200MB0000000X-001',
    staffName: '王小明',
    level: 2,
    levelName: '不满意',
    options: ['attitude-3', 'efficiency-3'],
    comment: '窗口排队时间长，工作人员态度生硬',
    channel: '4',
    ...over,
  };
}

/** One app per scenario file, on the real processes/ and templates/ folders. */
export function scenarioApp(): { get: () => TestApp; driver: () => Driver } {
  let app: TestApp;
  useApp((a) => (app = a), { processesDir: PROCESSES_DIR, templatesDir: TEMPLATES_DIR });
  return { get: () => app, driver: () => new Driver(app) };
}

export class Driver {
  constructor(readonly app: TestApp) {}

  get api() {
    return this.app.api;
  }

  /** Sets the simulated clock (Asia/Shanghai wall time may be given with +08:00); returns timers fired. */
  async clock(now: string): Promise<number> {
    const res = await this.api.put('/api/v1/admin/clock', { now });
    expect(res.status).toBe(200);
    return res.body.timersFired;
  }

  async start(county: string, processKey: string, businessKey: string, variables: Record<string, unknown>): Promise<Case> {
    const res = await this.api.post(`/api/v1/counties/${county}/process-instances`, { processKey, businessKey, variables });
    if (res.status !== 201) throw new Error(`start ${processKey}: ${res.status} ${JSON.stringify(res.body)}`);
    return new Case(this, res.body.id, businessKey);
  }
}

export class Case {
  constructor(
    readonly d: Driver,
    readonly id: string,
    readonly businessKey: string,
  ) {}

  async instance(): Promise<{ status: string; variables: Record<string, any>; incident: string | null }> {
    const res = await this.d.api.get(`/api/v1/process-instances/${this.id}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async variables(): Promise<Record<string, any>> {
    return (await this.instance()).variables;
  }

  async status(): Promise<string> {
    return (await this.variables()).caseStatus;
  }

  async tasks(status = 'open'): Promise<TaskView[]> {
    const res = await this.d.api.get(`/api/v1/tasks?instanceId=${this.id}&status=${status}&limit=200`);
    expect(res.status).toBe(200);
    return res.body.items;
  }

  /** Element ids of the open tasks, sorted. */
  async open(): Promise<string[]> {
    return (await this.tasks()).map((t) => t.elementId).sort();
  }

  /** The one open task of this element. */
  async task(elementId: string): Promise<TaskView> {
    const open = await this.tasks();
    const found = open.filter((t) => t.elementId === elementId);
    if (found.length !== 1) throw new Error(`expected one open task ${elementId}; open: ${open.map((t) => t.elementId).join(', ') || 'none'}; instance ${JSON.stringify(await this.instance())}`);
    return found[0];
  }

  /** Completes the one open task of this element with the form's variables; returns the task as it was. */
  async complete(elementId: string, variables: Record<string, unknown>): Promise<TaskView> {
    const t = await this.task(elementId);
    const res = await this.d.api.post(`/api/v1/tasks/${t.id}/complete`, { variables });
    if (res.status !== 200) throw new Error(`complete ${elementId}: ${res.status} ${JSON.stringify(res.body)}`);
    return t;
  }

  async history(): Promise<Array<{ type: string; elementId: string | null; data: any; at: string }>> {
    const res = await this.d.api.get(`/api/v1/process-instances/${this.id}/history`);
    expect(res.status).toBe(200);
    return res.body.events;
  }

  /** Due instants of the timers scheduled so far, by element id (in order of scheduling). */
  async timers(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const e of await this.history()) {
      if (e.type === 'timer.scheduled') (out[e.elementId!] ??= []).push(new Date(e.data.dueAt).toISOString());
    }
    return out;
  }

  /** Element ids of the timers that fired, in order. */
  async fired(): Promise<string[]> {
    return (await this.history()).filter((e) => e.type === 'timer.fired').map((e) => e.elementId!);
  }

  async outbox(): Promise<OutboxView[]> {
    const rows = await this.d.app.core.db.knex('outbox').where({ instance_id: this.id }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map((r: any) => ({ topic: r.topic, recipients: r.recipients, body: r.body, payload: r.payload }));
  }

  /** Notification templates used, in the order of the journal. */
  async notifications(): Promise<string[]> {
    const byElement = new Map<string, OutboxView[]>();
    for (const o of await this.outbox()) {
      if (!byElement.has(o.payload.elementId)) byElement.set(o.payload.elementId, []);
      byElement.get(o.payload.elementId)!.push(o);
    }
    const out: string[] = [];
    for (const e of await this.history()) {
      if (e.type !== 'service.called') continue;
      const row = byElement.get(e.elementId!)?.shift();
      if (row) out.push(row.payload.template);
    }
    return out;
  }
}

/** UTC ISO text of a wall-clock time in Asia/Shanghai, e.g. sh('2026-04-22 24:00'). */
export function sh(wall: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})$/.exec(wall);
  if (!m) throw new Error(`bad wall time ${wall}`);
  const [y, mo, d] = m[1].split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, d, Number(m[2]) - 8, Number(m[3]))).toISOString();
}

/** The evaluator's text may hold no other person's data: no staff name, no phone or ID number. */
export function expectNoPersonalData(body: string, staffName: string): void {
  expect(body).not.toContain(staffName);
  expect(body).not.toMatch(/1[3-9]\d{9}/);
  expect(body).not.toMatch(/\d{17}[\dXx]/);
  expect(body).not.toMatch(/\d{3,4}-\d{7,8}/);
}
