/**
 * The drive of a step without any database: a diagram compiled in memory, the county calendars from the
 * bundled files, the notify service on the test templates. What the runner would write is the returned
 * StepResult; nothing else happens. And rehydration: the next step driven by an engine rebuilt from the
 * stored state gives the same result as the engine kept in memory, with no second notification.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deserialize } from 'moddle-context-serializer';
import { CountyDeadlines } from '../../src/calendar/county-deadlines';
import { loadBundledCalendarData } from '../../src/calendar/working-calendar';
import type { LoadedDefinition } from '../../src/engine/definition-store';
import { compileDefinition } from '../../src/engine/definitions';
import { StepInput, StepResult, drive } from '../../src/engine/drive';
import { hostTypeResolver } from '../../src/engine/elements';
import { ServiceRegistry } from '../../src/engine/services';
import { notifyService } from '../../src/notifications/notify.service';
import { TemplateStore } from '../../src/notifications/templates';
import { TenantRegistry } from '../../src/tenants';
import { FIXTURES } from '../support/harness';

const tenants = new TenantRegistry(path.join(FIXTURES, 'processes'));
tenants.loadAll();
const deadlines = new CountyDeadlines(tenants, loadBundledCalendarData());
const services = new ServiceRegistry([notifyService(new TemplateStore(path.join(FIXTURES, 'templates')))]);
const deps = { services, deadlines };

async function load(): Promise<LoadedDefinition> {
  const xml = fs.readFileSync(path.join(FIXTURES, 'processes', 'testshire', 'host-basic.bpmn'), 'utf8');
  const c = await compileDefinition(xml, { countyId: 'testshire', services, deadlines, hasForm: () => true });
  const row = { id: 'def-1', county_id: 'testshire', process_key: c.processKey, version: 1, name: c.name, file_name: null, checksum: c.checksum, elements: c.elements, deployed_by: 'test', deployed_at: new Date() };
  return { row, context: deserialize(JSON.parse(c.serializedContext), hostTypeResolver) };
}

const START = new Date('2026-11-02T09:00:00+08:00'); // Monday
const AFTER_DUE = new Date('2026-11-05T09:00:00+08:00'); // 2 working days later: Wed 24:00 has passed

function input(definition: LoadedDefinition, over: Partial<StepInput>): StepInput {
  return { instanceId: 'inst-1', countyId: 'testshire', businessKey: 'BK-1', revision: 0, state: null, definition, actor: 'tester', now: START, openTasks: [], timerRows: [], ...over };
}

/** The next step's input as the runner would read it after committing `prev`. */
function after(prev: StepResult, definition: LoadedDefinition, now: Date): StepInput {
  return input(definition, {
    revision: 1,
    state: prev.state,
    now,
    openTasks: prev.tasks.insert.map((t) => ({ id: t.id, execution_id: t.execution_id, element_id: t.element_id })),
    timerRows: prev.timers.insert.map((t) => ({ id: t.id, execution_id: t.execution_id, due_at: t.due_at })),
  });
}

const shape = (r: StepResult) => ({
  status: r.status,
  journal: r.journal.map((j) => `${j.type}:${j.elementId ?? ''}`),
  outbox: r.outbox.map((o) => `${o.topic}→${o.recipients.join(',')}`),
  cancelled: r.tasks.cancel.map((c) => c.elementId),
  timersDeleted: r.timers.delete.length,
});

test('start: the first wait, its task with a due instant on the county calendar, its timer, the journal — and no database', async () => {
  const definition = await load();
  const { result, slot } = await drive(input(definition, {}), { kind: 'start', variables: { verdict: 'genuine' } }, deps);
  slot.stop();
  expect(result.status).toBe('running');
  expect(result.tasks.insert).toHaveLength(1);
  expect(result.tasks.insert[0]).toMatchObject({ element_id: 'register', candidate_groups: ['处理中心'], form_key: 'register', due_at: new Date('2026-11-04T16:00:00.000Z') });
  expect(result.timers.insert).toHaveLength(1);
  expect(result.timers.insert[0]).toMatchObject({ element_id: 'registerLate', expression: '2wd', due_at: new Date('2026-11-04T16:00:00.000Z') });
  expect(result.journal[0]).toMatchObject({ type: 'instance.started', data: { processKey: 'hostBasic', version: 1, businessKey: 'BK-1' } });
  expect(result.outbox).toEqual([]);
  expect(result.state.definitions[0].source).toBeUndefined();
});

test('rehydration: the timer step from the kept engine and from an engine rebuilt from the stored state give the same result, one notification each', async () => {
  const definition = await load();
  const first = await drive(input(definition, {}), { kind: 'start', variables: { verdict: 'genuine' } }, deps);
  const timerId = first.result.timers.insert[0].id;

  const kept = await drive(after(first.result, definition, AFTER_DUE), { kind: 'fire', timerId }, deps, first.slot);
  const rebuilt = await drive(after(first.result, definition, AFTER_DUE), { kind: 'fire', timerId }, deps);
  kept.slot.stop();
  rebuilt.slot.stop();

  expect(kept.result.fired).toBe(true);
  expect(shape(rebuilt.result)).toEqual(shape(kept.result));
  expect(shape(kept.result)).toMatchObject({ status: 'completed', outbox: ['escalation→group:政管办领导'], cancelled: ['register'], timersDeleted: 1 });
  expect(kept.result.journal.filter((j) => j.type === 'instance.started')).toEqual([]);
  expect(kept.result.journal.filter((j) => j.type === 'activity.wait')).toEqual([]);
});

test('completing: the input lands in the variables, the notify service queues one message with an idempotency key, the instance ends', async () => {
  const definition = await load();
  const first = await drive(input(definition, {}), { kind: 'start', variables: {} }, deps);
  first.slot.stop();
  const task = first.result.tasks.insert[0];
  const { result, slot } = await drive(after(first.result, definition, START), { kind: 'complete', taskId: task.id, executionId: task.execution_id, elementId: 'register', input: { verdict: 'mistaken' } }, deps);
  slot.stop();
  expect(result.tasks.complete).toEqual({ taskId: task.id, output: { verdict: 'mistaken' } });
  expect(result.variables.verdict).toBe('mistaken');
  expect(result.outbox).toHaveLength(1);
  expect(result.outbox[0]).toMatchObject({ topic: 'handover', recipients: ['unit:unit-a'], idempotencyKey: expect.stringMatching(/^inst-1:/) });
  expect(result.outbox[0].body).toContain('核实结论：mistaken');
  expect(result.status).toBe('completed');
  expect(result.state).toBeNull();
  expect(result.timers.delete).toEqual([first.result.timers.insert[0].id]);
});

test('a completion the deadline beat: the step still has the deadline in it, and the completion is refused', async () => {
  const definition = await load();
  const first = await drive(input(definition, {}), { kind: 'start', variables: {} }, deps);
  const task = first.result.tasks.insert[0];
  const { result, slot } = await drive(after(first.result, definition, AFTER_DUE), { kind: 'complete', taskId: task.id, executionId: task.execution_id, elementId: 'register', input: { verdict: 'genuine' } }, deps, first.slot);
  slot.stop();
  expect(result.rejection?.code).toBe('task_not_open');
  expect(result.tasks.complete).toBeUndefined();
  expect(shape(result).outbox).toEqual(['escalation→group:政管办领导']);
});
