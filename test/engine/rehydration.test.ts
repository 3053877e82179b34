/**
 * Rehydration on a real database, through the runner (medium layer, no HTTP): an instance whose engine
 * is kept in memory between steps and one whose engine is rebuilt from the stored state at every step
 * write the same journal and the same outbox; and a step whose commit fails leaves nothing behind, so
 * its retry writes each notification and each journal row once.
 */
import type { Core } from '../../src/core';
import type { ServiceDefinition } from '../../src/engine/services';
import { openTasksOf } from '../../src/engine/tasks';
import { laidOut } from '../support/bpmn-layout';
import { useCore } from '../support/medium';

let failPersist = false;
/** A service with an effect whose persist can be made to fail: the commit of its step then fails. */
const flaky: ServiceDefinition = {
  name: 'flaky',
  description: 'test: records an effect',
  run(call) {
    call.effect({ n: 1 });
  },
  async persist() {
    if (failPersist) throw new Error('the database went away');
  },
};

let core: Core;
useCore((c) => (core = c), {}, { services: [flaky] });

async function journalOf(instanceId: string): Promise<string[]> {
  const rows = await core.db.knex('journal').where({ instance_id: instanceId }).orderBy('id');
  return rows.map((r: { type: string; element_id: string | null; revision: number }) => `${r.revision}:${r.type}:${r.element_id ?? ''}`);
}

async function outboxOf(instanceId: string): Promise<string[]> {
  const rows = await core.db.knex('outbox').where({ instance_id: instanceId }).orderBy('idempotency_key');
  return rows.map((r: { topic: string }) => r.topic);
}

async function run(businessKey: string, rebuildEveryStep: boolean): Promise<string> {
  await core.clockControl.set('2026-11-02T09:00:00+08:00');
  const inst = await core.runner.start({ countyId: 'testshire', processKey: 'hostBasic', businessKey, actor: 'tester', variables: { verdict: 'genuine' } });
  if (rebuildEveryStep) core.runner.stopAll();
  const [task] = await openTasksOf(core.db.knex, inst.id);
  await core.runner.complete(task, 'tester', { verdict: 'genuine' });
  return inst.id;
}

test('the kept engine and an engine rebuilt from the stored state write the same journal and outbox', async () => {
  const kept = await run('R-kept', false);
  const rebuilt = await run('R-rebuilt', true);
  expect(await journalOf(rebuilt)).toEqual(await journalOf(kept));
  expect(await outboxOf(kept)).toEqual(['handover']);
  expect(await outboxOf(rebuilt)).toEqual(['handover']);
  const types = await journalOf(kept);
  expect(types.filter((t) => t.endsWith(':instance.started:'))).toHaveLength(1);
  expect(types.filter((t) => t.endsWith(':activity.wait:register'))).toHaveLength(1);
});

test('a step whose commit fails writes nothing; its retry writes every row once', async () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.org/hcp">
  <bpmn:process id="flakyFlow" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" />
    <bpmn:userTask id="work" camunda:candidateGroups="处理中心" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="tell" />
    <bpmn:serviceTask id="tell" implementation="\${environment.services.notify}">
      <bpmn:extensionElements><camunda:properties><camunda:property name="template" value="escalation" /><camunda:property name="to" value="group:x" /></camunda:properties></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="tell" targetRef="mark" />
    <bpmn:serviceTask id="mark" implementation="\${environment.services.flaky}" />
    <bpmn:sequenceFlow id="f4" sourceRef="mark" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>`;
  await core.deployments.deploy('testshire', await laidOut(xml), 'flaky.bpmn', 'tester');
  const inst = await core.runner.start({ countyId: 'testshire', processKey: 'flakyFlow', businessKey: 'F-1', actor: 'tester' });
  const [task] = await openTasksOf(core.db.knex, inst.id);
  const before = await journalOf(inst.id);

  failPersist = true;
  await expect(core.runner.complete(task, 'tester', {})).rejects.toThrow('the database went away');
  expect(await journalOf(inst.id)).toEqual(before);
  expect(await outboxOf(inst.id)).toEqual([]);
  expect((await core.db.knex('process_instances').where({ id: inst.id }).first()).revision).toBe(1);

  failPersist = false;
  await core.runner.complete(task, 'tester', {});
  expect(await outboxOf(inst.id)).toEqual(['escalation']);
  const after = await journalOf(inst.id);
  expect(after.filter((t) => t.endsWith(':task.completed:work'))).toHaveLength(1);
  expect(after.filter((t) => t.endsWith(':service.called:tell'))).toHaveLength(1);
  expect(after.filter((t) => !t.includes(':step.input:')).at(-1)).toBe('2:instance.completed:');
  expect(after.filter((t) => t.includes(':step.input:'))).toHaveLength(2);
});
