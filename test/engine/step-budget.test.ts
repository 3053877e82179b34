/**
 * The budget of a step, in the drive alone (no database): what could hang a server is aborted as a
 * StepIncident, quickly, and a value from outside is never read again as an expression. The diagrams
 * here are compiled without the deploy checks on purpose (a version deployed before they existed, or a
 * shape they do not catch): the runtime budget is the second lock on the door.
 */
import * as path from 'node:path';
import { BpmnModdle } from 'bpmn-moddle';
import camundaSchema from 'camunda-bpmn-moddle/resources/camunda.json';
import serializer, { deserialize } from 'moddle-context-serializer';
import { CountyDeadlines } from '../../src/calendar/county-deadlines';
import { loadBundledCalendarData } from '../../src/calendar/working-calendar';
import type { DefinitionElements } from '../../src/db/tables';
import type { LoadedDefinition } from '../../src/engine/definition-store';
import { StepIncident, StepInput, drive } from '../../src/engine/drive';
import { hostTypeResolver } from '../../src/engine/elements';
import { ServiceRegistry } from '../../src/engine/services';
import { TenantRegistry } from '../../src/tenants';
import { FIXTURES } from '../support/harness';

const tenants = new TenantRegistry(path.join(FIXTURES, 'processes'));
tenants.loadAll();
const deadlines = new CountyDeadlines(tenants, loadBundledCalendarData());
let calls = 0;
const services = new ServiceRegistry([{ name: 'count', description: 'test: counts its calls', run: () => ({ calls: ++calls }) }]);
const budget = { maxActivities: 50, maxMs: 5000 };
const NOW = new Date('2026-11-02T09:00:00+08:00');

/** A definition as the runner would load it, compiled without the deploy checks. */
async function unchecked(body: string, elements: Partial<DefinitionElements> = {}): Promise<LoadedDefinition> {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://example.org">
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" />${body}</bpmn:process>
</bpmn:definitions>`;
  const parsed = await new BpmnModdle({ camunda: camundaSchema }).fromXML(xml);
  const context = deserialize(JSON.parse(serializer(parsed, hostTypeResolver).serialize()), hostTypeResolver);
  const row = { id: 'def-x', county_id: 'testshire', process_key: 'p', version: 1, name: null, file_name: null, checksum: 'x', elements: { userTasks: {}, serviceTasks: {}, timers: {}, ...elements }, deployed_by: 'test', deployed_at: NOW };
  return { row, context };
}

function start(definition: LoadedDefinition): StepInput {
  return { instanceId: 'inst-b', countyId: 'testshire', businessKey: null, revision: 0, state: null, definition, actor: 'tester', now: NOW, openTasks: [], timerRows: [] };
}

async function incidentOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StepIncident) return err.reason;
    throw err;
  }
  throw new Error('the step was not aborted');
}

describe('the budget of a step', () => {
  test('a service task flowing to itself is aborted after the activities it may enter, and the event loop stays free meanwhile', async () => {
    const def = await unchecked('<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="svc" /><bpmn:serviceTask id="svc" implementation="${environment.services.count}" /><bpmn:sequenceFlow id="f1" sourceRef="svc" targetRef="svc" />', {
      serviceTasks: { svc: { service: 'count', properties: {} } },
    });
    calls = 0;
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    const t0 = Date.now();
    const reason = await incidentOf(drive(start(def), { kind: 'start', variables: {} }, { services, deadlines, budget }));
    clearInterval(ticker);
    expect(reason).toMatch(/more than 50 activities \(at svc\)/);
    expect(calls).toBeLessThanOrEqual(51);
    expect(Date.now() - t0).toBeLessThan(budget.maxMs);
    expect(turns).toBeGreaterThan(0); // timers ran between the service calls
    // and the wall-time budget, when the activities would be allowed
    const slow = await incidentOf(drive(start(def), { kind: 'start', variables: {} }, { services, deadlines, budget: { maxActivities: 1_000_000, maxMs: 300 } }));
    expect(slow).toMatch(/ran longer than 300 ms/);
  });

  test('a chain of plain tasks that never waits is aborted (budget or depth), not a 500', async () => {
    const tasks = Array.from({ length: 600 }, (_, i) => `<bpmn:task id="t${i}" /><bpmn:sequenceFlow id="f${i}" sourceRef="${i ? `t${i - 1}` : 's'}" targetRef="t${i}" />`).join('');
    const t0 = Date.now();
    const reason = await incidentOf(drive(start(await unchecked(tasks)), { kind: 'start', variables: {} }, { services, deadlines, budget: { maxActivities: 10_000, maxMs: 500 } }));
    expect(reason).toMatch(/nested too deep|ran longer than 500 ms/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  test('a multi-instance with a cardinality from a variable is charged before its first iteration', async () => {
    const def = await unchecked(
      '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="mi" /><bpmn:task id="mi"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${environment.variables.n}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:task><bpmn:sequenceFlow id="f1" sourceRef="mi" targetRef="e" /><bpmn:endEvent id="e" />',
    );
    const t0 = Date.now();
    expect(await incidentOf(drive(start(def), { kind: 'start', variables: { n: 10_000_000 } }, { services, deadlines, budget }))).toMatch(/a multi-instance of 10000000/);
    expect(Date.now() - t0).toBeLessThan(1000);
    const small = await drive(start(def), { kind: 'start', variables: { n: 20 } }, { services, deadlines, budget });
    small.slot.stop();
    expect(small.result.status).toBe('completed');
  });

  test('a variable that names itself is inserted as it is, once: no loop, and no other variable read through it', async () => {
    const def = await unchecked('<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="u" /><bpmn:userTask id="u" />', {
      userTasks: { u: { candidateGroups: '处理中心,${environment.variables.unitId}', assignee: '${environment.variables.who}' } },
    });
    const variables = { unitId: '${environment.variables.unitId}', who: '${environment.variables.secret}', secret: 'x' };
    const t0 = Date.now();
    const { result, slot } = await drive(start(def), { kind: 'start', variables }, { services, deadlines, budget });
    slot.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(result.tasks.insert[0].candidate_groups).toEqual(['处理中心', '${environment.variables.unitId}']);
    expect(result.tasks.insert[0].assignee).toBe('${environment.variables.secret}');
  });

  test('a user task inside a sub-process waits, and completes (the walk over what waits stops at the sub-process itself)', async () => {
    const def = await unchecked('<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="sp" /><bpmn:subProcess id="sp"><bpmn:startEvent id="is" /><bpmn:sequenceFlow id="f1" sourceRef="is" targetRef="iu" /><bpmn:userTask id="iu" /></bpmn:subProcess><bpmn:sequenceFlow id="f2" sourceRef="sp" targetRef="e" /><bpmn:endEvent id="e" />');
    const first = await drive(start(def), { kind: 'start', variables: {} }, { services, deadlines, budget });
    expect(first.result.status).toBe('running');
    const [task] = first.result.tasks.insert;
    expect(task.element_id).toBe('iu');
    const next = await drive(
      { ...start(def), revision: 1, state: first.result.state, openTasks: [{ id: task.id, execution_id: task.execution_id, element_id: 'iu' }] },
      { kind: 'complete', taskId: task.id, executionId: task.execution_id, elementId: 'iu', input: { done: true } },
      { services, deadlines, budget },
      first.slot,
    );
    next.slot.stop();
    expect(next.result.status).toBe('completed');
  });

  test('a due date that cannot be computed (from a variable) aborts the step with the element and the reason', async () => {
    const def = await unchecked('<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="u" /><bpmn:userTask id="u" />', { userTasks: { u: { dueDate: '${environment.variables.limit}' } } });
    expect(await incidentOf(drive(start(def), { kind: 'start', variables: { limit: 'P300000Y' } }, { services, deadlines, budget }))).toMatch(/^u: the due date "P300000Y" cannot be computed/);
    expect(await incidentOf(drive(start(def), { kind: 'start', variables: { limit: 'whenever' } }, { services, deadlines, budget }))).toMatch(/^u: the due date "whenever" cannot be computed: invalid deadline/);
  });
});
