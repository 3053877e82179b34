/**
 * External tasks through /engine-rest with the real camunda-external-task-client-js (test/engine-rest/
 * worker.mjs, a process of its own since the client is an ES module): a service task with
 * camunda:type="external" waits durably like a user task; a worker long-polls, completes it with typed
 * variables and the instance moves on; a failure with no retries left raises an incident that setting
 * the retries resolves; a BPMN error takes the error boundary path. Locks, bad input and another
 * county's tasks through plain HTTP.
 */
import { laidOut } from '../support/bpmn-layout';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { TestApp, useApp } from '../support/harness';

let app: TestApp;
useApp((a) => (app = a));

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.org/hcp">
  <bpmn:error id="notFound" name="not found" errorCode="NOT_FOUND" />
  <bpmn:process id="TOPICProcess" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="lookup" />
    <bpmn:serviceTask id="lookup" name="查询办件系统" camunda:type="external" camunda:topic="TOPIC" camunda:taskPriority="5" />
    <bpmn:boundaryEvent id="lookupFailed" attachedToRef="lookup"><bpmn:errorEventDefinition errorRef="notFound" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="lookup" targetRef="review" />
    <bpmn:userTask id="review" name="复核" camunda:candidateGroups="处理中心" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="lookupFailed" targetRef="notFoundEnd" />
    <bpmn:endEvent id="notFoundEnd" />
  </bpmn:process>
</bpmn:definitions>`;

const WORKER = 'hcp-worker';
let workerToken: string;

beforeAll(async () => {
  for (const topic of ['lookup', 'flaky', 'missing', 'manual']) {
    const r = await app.api.post('/api/v1/counties/testshire/deployments', { xml: await laidOut(XML.replace(/TOPIC/g, topic)), fileName: `${topic}.bpmn` });
    expect(r.status).toBe(201);
  }
  const u = await app.api.post('/api/v1/admin/users', { id: WORKER, roles: ['worker'], counties: ['testshire'] });
  workerToken = u.body.token;
});

function runWorker(topic: string, mode: 'complete' | 'failure' | 'bpmnError'): Promise<any> {
  const child = spawn(process.execPath, [path.join(__dirname, 'worker.mjs'), `${app.url}/engine-rest`, WORKER, workerToken, topic, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.on('exit', () => {
      const line = out.trim().split('\n').filter(Boolean).pop();
      if (!line) return reject(new Error(`worker said nothing: ${err}`));
      resolve(JSON.parse(line));
    });
  });
}

async function start(topic: string, businessKey: string) {
  const r = await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: `${topic}Process`, businessKey, variables: { caseNo: businessKey } });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const journal = async (id: string) => app.core.db.knex('journal').where({ instance_id: id }).orderBy('id');

test('a worker long-polls, completes the external task with typed variables, and the instance moves on', async () => {
  // The worker polls first (long polling); the instance starts while it waits and the step wakes it.
  const worker = runWorker('lookup', 'complete');
  await new Promise((r) => setTimeout(r, 300));
  const id = await start('lookup', 'LD-EXT-1');
  const row = await app.core.db.knex('external_tasks').where({ instance_id: id }).first();
  expect(row).toMatchObject({ status: 'open', topic: 'lookup', element_id: 'lookup', priority: 5 });

  const did = await worker;
  expect(did).toMatchObject({ did: 'complete', id: row.id, seen: { caseNo: 'LD-EXT-1', businessKey: 'LD-EXT-1', tenantId: 'testshire' } });
  expect(did.seen.lockExpirationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0800$/);

  const instance = await app.api.get(`/api/v1/process-instances/${id}`);
  expect(instance.body.variables).toMatchObject({ found: true, score: 3.5, registry: { unit: 'unit-a', items: [1, 2] }, checkedBy: '核查机器人' });
  const tasks = await app.api.get(`/api/v1/tasks?instanceId=${id}`);
  expect(tasks.body.items.map((t: { elementId: string }) => t.elementId)).toEqual(['review']);
  expect((await app.core.db.knex('external_tasks').where({ id: row.id }).first()).status).toBe('completed');
  const entries = await journal(id);
  expect(entries.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['externalTask.locked', 'externalTask.completed']));
  const completed = entries.find((e: { type: string }) => e.type === 'externalTask.completed');
  expect(completed).toMatchObject({ actor: WORKER, element_id: 'lookup', data: { externalTaskId: row.id, workerId: 'worker-1', variables: { found: true, score: 3.5, checkedBy: '核查机器人' } } });
});

test('a failure with no retries left raises an incident; setting retries resolves it', async () => {
  const id = await start('flaky', 'LD-EXT-2');
  const did = await runWorker('flaky', 'failure');
  expect(did).toMatchObject({ did: 'failure' });
  const worker = app.api.as(workerToken);

  const incidents = await worker.get(`/engine-rest/incident?processInstanceId=${id}`);
  expect(incidents.status).toBe(200);
  expect(incidents.body).toEqual([expect.objectContaining({ incidentType: 'failedExternalTask', activityId: 'lookup', processInstanceId: id, incidentMessage: 'registry unreachable', tenantId: 'testshire' })]);
  const task = await worker.get(`/engine-rest/external-task/${did.id}`);
  expect(task.body).toMatchObject({ retries: 0, errorMessage: 'registry unreachable', topicName: 'flaky' });
  const details = await fetch(`${app.url}/engine-rest/external-task/${did.id}/errorDetails`, { headers: { authorization: `Bearer ${workerToken}` } });
  expect(await details.text()).toBe('ECONNREFUSED 127.0.0.1:9');
  // In an incident the task is not fetched.
  const fetchBody = { workerId: 'w2', maxTasks: 5, topics: [{ topicName: 'flaky', lockDuration: 1000 }] };
  expect((await worker.post('/engine-rest/external-task/fetchAndLock', fetchBody)).body).toEqual([]);
  expect((await journal(id)).map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['externalTask.failed', 'incident.created']));
  const instance = await app.api.get(`/api/v1/process-instances/${id}`);
  expect(instance.body.status).toBe('running');

  // A worker may not resolve an incident; a process administrator may.
  expect((await worker.put(`/engine-rest/external-task/${did.id}/retries`, { retries: 2 })).status).toBe(403);
  expect((await app.api.put(`/engine-rest/external-task/${did.id}/retries`, { retries: 2 })).status).toBe(204);
  expect((await worker.get(`/engine-rest/incident?processInstanceId=${id}`)).body).toEqual([]);
  const again = await worker.post('/engine-rest/external-task/fetchAndLock', fetchBody);
  expect(again.body.map((t: { id: string }) => t.id)).toEqual([did.id]);
});

test('a BPMN error reaches the boundary event that catches its code; a code nothing catches is refused', async () => {
  const id = await start('missing', 'LD-EXT-3');
  const worker = app.api.as(workerToken);
  const [task] = (await worker.post('/engine-rest/external-task/fetchAndLock', { workerId: 'w3', maxTasks: 1, topics: [{ topicName: 'missing', lockDuration: 60000 }] })).body;
  const refused = await worker.post(`/engine-rest/external-task/${task.id}/bpmnError`, { workerId: 'w3', errorCode: 'OTHER' });
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ type: 'InvalidRequestException', error: 'validation_failed' });
  expect(refused.body.message).toContain('NOT_FOUND');
  expect((await worker.post(`/engine-rest/external-task/${task.id}/unlock`)).status).toBe(204);

  const did = await runWorker('missing', 'bpmnError');
  expect(did).toMatchObject({ did: 'bpmnError', id: task.id });
  const instance = await app.api.get(`/api/v1/process-instances/${id}`);
  expect(instance.body).toMatchObject({ status: 'completed', variables: { lookupError: 'not found' } });
  const types = (await journal(id)).map((e: { type: string; element_id: string }) => `${e.type}:${e.element_id ?? ''}`);
  expect(types).toEqual(expect.arrayContaining(['externalTask.bpmnError:lookup', 'activity.end:notFoundEnd']));
  expect(types).not.toContain('activity.enter:review');
});

test('locks: only the holder completes or extends; lock and unlock; answers are exactly application/json; bad input is 4xx; another county sees nothing', async () => {
  const id = await start('manual', 'LD-EXT-4');
  const worker = app.api.as(workerToken);
  const fetchBody = { workerId: 'wa', maxTasks: 2, usePriority: true, topics: [{ topicName: 'manual', lockDuration: 60000, variables: ['caseNo'] }] };
  const res = await fetch(`${app.url}/engine-rest/external-task/fetchAndLock`, { method: 'POST', headers: { authorization: `Bearer ${workerToken}`, 'content-type': 'application/json' }, body: JSON.stringify(fetchBody) });
  expect(res.headers.get('content-type')).toBe('application/json');
  const [task] = (await res.json()) as any[];
  expect(task).toMatchObject({ processInstanceId: id, workerId: 'wa', variables: { caseNo: { type: 'String', value: 'LD-EXT-4' } } });
  expect(Object.keys(task.variables)).toEqual(['caseNo']);

  const other = await worker.post(`/engine-rest/external-task/${task.id}/complete`, { workerId: 'wb' });
  expect(other.status).toBe(409);
  expect(other.body).toMatchObject({ error: 'external_task_locked', type: 'RestException' });
  expect((await worker.post(`/engine-rest/external-task/${task.id}/extendLock`, { workerId: 'wb', newDuration: 1000 })).status).toBe(409);
  expect((await worker.post(`/engine-rest/external-task/${task.id}/extendLock`, { workerId: 'wa', newDuration: 120000 })).status).toBe(204);
  expect((await worker.post(`/engine-rest/external-task/${task.id}/lock`, { workerId: 'wb', lockDuration: 1000 })).status).toBe(409);

  // The lock runs on the application clock: moved past it, the task is free for another worker.
  const now = new Date((await app.api.get('/health')).body.clock.now);
  await app.api.put('/api/v1/admin/clock', { now: new Date(now.getTime() + 121_000).toISOString() });
  expect((await worker.post(`/engine-rest/external-task/${task.id}/complete`, { workerId: 'wa' })).status).toBe(409);
  expect((await worker.post(`/engine-rest/external-task/${task.id}/lock`, { workerId: 'wb', lockDuration: 5000 })).status).toBe(204);
  expect((await worker.get(`/engine-rest/external-task?processInstanceId=${id}`)).body[0]).toMatchObject({ workerId: 'wb' });
  expect((await worker.post(`/engine-rest/external-task/${task.id}/unlock`)).status).toBe(204);
  expect((await worker.get(`/engine-rest/external-task/count?topicName=manual&locked=false`)).body).toEqual({ count: 1 });

  const bad: Array<[string, unknown]> = [
    ['/engine-rest/external-task/fetchAndLock', {}],
    ['/engine-rest/external-task/fetchAndLock', { workerId: 'x', maxTasks: 0, topics: [] }],
    ['/engine-rest/external-task/fetchAndLock', { workerId: 'x', maxTasks: 1, asyncResponseTimeout: 99_999_999, topics: [{ topicName: 'a', lockDuration: 1 }] }],
    ['/engine-rest/external-task/fetchAndLock', { workerId: 'x', maxTasks: 1, topics: [{ topicName: 'a' }] }],
    [`/engine-rest/external-task/${task.id}/complete`, { workerId: 'wa', variables: { x: { value: 'nope', type: 'Integer' } } }],
    [`/engine-rest/external-task/${task.id}/complete`, { workerId: 'wa', variables: { x: { value: '{', type: 'Json' } } }],
    [`/engine-rest/external-task/${task.id}/complete`, { workerId: 'wa', variables: { x: { value: 'AA==', type: 'Bytes' } } }],
    [`/engine-rest/external-task/${task.id}/failure`, { workerId: 'wa', retries: -1 }],
  ];
  for (const [p, body] of bad) {
    const r = await worker.post(p, body);
    expect([p, r.status]).toEqual([p, 400]);
    expect(r.body.type).toBe('InvalidRequestException');
  }
  expect((await worker.post('/engine-rest/external-task/not-an-id/complete', { workerId: 'wa' })).status).toBe(404);
  expect((await worker.get('/engine-rest/external-task/00000000-0000-0000-0000-000000000000')).status).toBe(404);

  // Staff without the worker role may not fetch; a worker of another county sees nothing of this one.
  const staff = (await app.api.post('/api/v1/admin/users', { id: 'ext-staff', roles: ['staff'], counties: ['testshire'] })).body.token;
  expect((await app.api.as(staff).post('/engine-rest/external-task/fetchAndLock', fetchBody)).status).toBe(403);
  const stranger = (await app.api.post('/api/v1/admin/users', { id: 'ext-other', roles: ['worker'], counties: ['otherton'] })).body.token;
  expect((await app.api.as(stranger).post('/engine-rest/external-task/fetchAndLock', fetchBody)).body).toEqual([]);
  expect((await app.api.as(stranger).get(`/engine-rest/external-task/${task.id}`)).status).toBe(404);
  expect((await app.api.as(stranger).post(`/engine-rest/external-task/${task.id}/unlock`)).status).toBe(404);

  // Basic credentials: the user id and the token.
  const basic = (u: string, t: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${t}`).toString('base64')}` });
  expect((await fetch(`${app.url}/engine-rest/external-task/count`, { headers: basic(WORKER, workerToken) })).status).toBe(200);
  expect((await fetch(`${app.url}/engine-rest/external-task/count`, { headers: basic('someone-else', workerToken) })).status).toBe(401);
});

test('a long poll answers [] at its timeout without holding the database', async () => {
  const worker = app.api.as(workerToken);
  const started = Date.now();
  const poll = worker.post('/engine-rest/external-task/fetchAndLock', { workerId: 'idle', maxTasks: 1, asyncResponseTimeout: 1500, topics: [{ topicName: 'nothing-here', lockDuration: 1000 }] });
  // Meanwhile the database serves other requests (PGlite has a single connection).
  const health = await app.api.get('/health');
  expect(health.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(1000);
  const r = await poll;
  expect(r).toEqual({ status: 200, body: [] });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
});
