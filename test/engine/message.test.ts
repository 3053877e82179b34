/**
 * The `message` action of a step: an element that waits for a message (here an intermediate message catch
 * event) takes it, with its payload as variables; a message for an element that does not wait is refused
 * and the instance stays as it was.
 */
import type { Core } from '../../src/core';
import { laidOut } from '../support/bpmn-layout';
import { useCore } from '../support/medium';

let core: Core;
useCore((c) => (core = c));

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://example.org/hcp">
  <bpmn:message id="reply" name="reply" />
  <bpmn:process id="awaitReply" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="waitReply" />
    <bpmn:intermediateCatchEvent id="waitReply"><bpmn:messageEventDefinition messageRef="reply" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="waitReply" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>`;

test('a message reaches the element that waits for it; one for another element is refused', async () => {
  await core.deployments.deploy('testshire', await laidOut(XML), 'await-reply.bpmn', 'tester');
  const inst = await core.runner.start({ countyId: 'testshire', processKey: 'awaitReply', actor: 'tester' });
  expect(inst.status).toBe('running');

  await expect(core.runner.message(inst.id, 'worker', 'nowhere', {})).rejects.toMatchObject({ code: 'task_not_waiting' });
  expect((await core.db.knex('process_instances').where({ id: inst.id }).first()).revision).toBe(1);

  const done = await core.runner.message(inst.id, 'worker', 'waitReply', { answer: 'yes' });
  expect(done.status).toBe('completed');
  expect(done.variables.answer).toBe('yes');
  const types = (await core.db.knex('journal').where({ instance_id: inst.id }).orderBy('id')).map((r: { type: string }) => r.type);
  expect(types).toContain('message.received');
});
