/**
 * Versions and running instances. A deploy through the API moves the running instances to the new
 * version; one that would strand waiting instances (their element renamed or removed) is refused naming
 * them, unless a plan maps old elements to new ones or the administrator keeps those instances on their
 * version. Each instance moves in a step of its own, journaled with the plan, and goes on on the new
 * version: its task takes the new element, its deadline timer keeps its instant and fires there.
 */
import { laidOut } from '../support/bpmn-layout';
import { TestApp, useApp } from '../support/harness';

let app: TestApp;
useApp((a) => (app = a));

const diagram = (task: string, name: string, late: string, extra = '') => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.org/hcp">
  <bpmn:process id="migrant" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="${task}" />
    <bpmn:userTask id="${task}" name="${name}" camunda:candidateGroups="处理中心" camunda:dueDate="2wd" />
    <bpmn:boundaryEvent id="${late}" attachedToRef="${task}" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>2wd</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="${late}" targetRef="lateEnd" />
    <bpmn:endEvent id="lateEnd" />
    <bpmn:sequenceFlow id="f3" sourceRef="${task}" targetRef="end" />
    <bpmn:endEvent id="end"${extra} />
  </bpmn:process>
</bpmn:definitions>`;

const V1 = diagram('check', '核实 (v1)', 'checkLate');
const V2 = diagram('verify', '回访核实 (v2)', 'verifyLate', ' name="办结 (v2)"');
const V3 = diagram('confirm', '确认 (v3)', 'confirmLate');

const deploy = async (xml: string, extra: Record<string, unknown> = {}, query = '') => app.api.post(`/api/v1/counties/testshire/deployments${query}`, { xml: await laidOut(xml), fileName: 'migrant.bpmn', ...extra });
const versions = async () => (await app.api.get('/api/v1/definitions?county=testshire&processKey=migrant&versions=all')).body.items.map((d: { version: number }) => d.version);
const start = async (businessKey: string) => (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'migrant', businessKey })).body.id as string;
const openTasks = async (id: string) => (await app.api.get(`/api/v1/tasks?instanceId=${id}`)).body.items;

test('a waiting instance of v1 moves to v2 with a renamed task and completes there; without the plan the deploy is refused naming it', async () => {
  await app.api.put('/api/v1/admin/clock', { now: '2026-11-02T09:00:00+08:00' });
  expect((await deploy(V1)).status).toBe(201);
  const a = await start('MIG-A');
  const b = await start('MIG-B');
  const [taskA] = await openTasks(a);
  expect(taskA).toMatchObject({ elementId: 'check', name: '核实 (v1)', dueAt: '2026-11-04T16:00:00.000Z' });
  await app.api.post(`/api/v1/tasks/${taskA.id}/claim`);
  const timerA = await app.core.db.knex('timers').where({ instance_id: a }).first();

  // No plan: refused with the stranded instances named; nothing is written.
  const refused = await deploy(V2);
  expect(refused.status).toBe(409);
  expect(refused.body.error).toBe('migration_required');
  expect(refused.body.message).toContain('2 running instances would be stranded');
  expect(refused.body.message).toContain('MIG-A');
  expect(refused.body.message).toContain('MIG-B');
  expect(refused.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ instanceId: a, element: 'check', field: 'migration.check' }), expect.objectContaining({ instanceId: b, element: 'checkLate' })]));
  expect(await versions()).toEqual([1]);

  // A plan naming an element the new version lacks is refused too.
  expect((await deploy(V2, { migration: { check: 'nowhere' } })).status).toBe(400);

  // The dry run says what would happen, and writes nothing.
  const plan = { check: 'verify', checkLate: 'verifyLate' };
  const dry = await deploy(V2, { migration: plan }, '?dryRun=true');
  expect(dry.status).toBe(200);
  expect(dry.body).toMatchObject({ dryRun: true, created: true, version: 2, instances: { running: 2, move: 2, stranded: 0, keep: 0 } });
  expect(dry.body.instances.instances[0]).toMatchObject({ outcome: 'move', waitingAt: expect.arrayContaining(['check', 'checkLate']) });
  expect(await versions()).toEqual([1]);

  const deployed = await deploy(V2, { migration: plan });
  expect(deployed.status).toBe(201);
  expect(deployed.body).toMatchObject({ version: 2, created: true, migration: { status: 'done', moved: 2, leftBehind: [], mapping: plan } });
  const v2 = deployed.body.id;

  for (const id of [a, b]) expect((await app.api.get(`/api/v1/process-instances/${id}`)).body.definitionId).toBe(v2);
  const [moved] = await openTasks(a);
  // The same task (id, claim, deadline), now the v2 element with its v2 name.
  expect(moved).toMatchObject({ id: taskA.id, elementId: 'verify', name: '回访核实 (v2)', assignee: 'test-admin', dueAt: '2026-11-04T16:00:00.000Z' });
  const timer = await app.core.db.knex('timers').where({ instance_id: a }).first();
  expect(timer).toMatchObject({ element_id: 'verifyLate', execution_id: timerA.execution_id });
  expect(new Date(timer.due_at).toISOString()).toBe(new Date(timerA.due_at).toISOString());
  const migrated = await app.core.db.knex('journal').where({ instance_id: a, type: 'instance.migrated' });
  expect(migrated).toEqual([expect.objectContaining({ actor: 'test-admin', data: expect.objectContaining({ fromVersion: 1, toVersion: 2, toDefinitionId: v2, mapping: plan, migrationId: deployed.body.migration.id }) })]);
  expect((await app.api.get(`/api/v1/migrations/${deployed.body.migration.id}`)).body).toMatchObject({ status: 'done', moved: 2 });

  // The deadline passes: the v2 boundary timer fires; then the task completes and the instance ends on v2.
  await app.api.put('/api/v1/admin/clock', { now: '2026-11-05T09:00:00+08:00' });
  const journalA = async () => (await app.core.db.knex('journal').where({ instance_id: a }).orderBy('id')).map((j: { type: string; element_id: string | null }) => `${j.type}:${j.element_id ?? ''}`);
  expect(await journalA()).toContain('timer.fired:verifyLate');
  const done = await app.api.post(`/api/v1/tasks/${moved.id}/complete`, { variables: {} });
  expect(done.status).toBe(200);
  const inst = await app.api.get(`/api/v1/process-instances/${a}`);
  expect(inst.body).toMatchObject({ status: 'completed', definitionId: v2 });
  expect(await journalA()).toEqual(expect.arrayContaining(['task.completed:verify', 'activity.end:end', 'instance.completed:']));
});

test('keepStranded: the stranded instances stay on their version and still complete there; a later plan can move them', async () => {
  const c = await start('MIG-C'); // on v2, waiting at verify
  const kept = await deploy(V3, { keepStranded: true });
  expect(kept.status).toBe(201);
  // MIG-B (from the first test) and MIG-C wait at verify, which v3 lacks.
  expect(kept.body.migration).toMatchObject({ status: 'done', moved: 0 });
  expect(kept.body.migration.leftBehind).toHaveLength(2);
  expect(kept.body.migration.leftBehind).toEqual(expect.arrayContaining([expect.objectContaining({ instanceId: c, kept: true, reason: expect.stringContaining('verify: waits here') })]));
  const instance = await app.api.get(`/api/v1/process-instances/${c}`);
  const v2 = (await app.core.db.knex('process_definitions').where({ county_id: 'testshire', process_key: 'migrant', version: 2 }).first()).id;
  expect(instance.body.definitionId).toBe(v2);
  // New instances start on v3.
  const d = await start('MIG-D');
  expect((await openTasks(d))[0].elementId).toBe('confirm');

  // Later, the administrator moves it to v3 with a plan (POST /migrations), in a step of its own.
  const bad = await app.api.post('/api/v1/counties/testshire/migrations', { processKey: 'migrant', toVersion: 3 });
  expect(bad.status).toBe(409);
  const r = await app.api.post('/api/v1/counties/testshire/migrations', { processKey: 'migrant', toVersion: 3, migration: { verify: 'confirm', verifyLate: 'confirmLate' } });
  expect(r.status).toBe(200);
  expect(r.body.migration).toMatchObject({ status: 'done', moved: 2 });
  const [task] = await openTasks(c);
  expect(task.elementId).toBe('confirm');
  expect((await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: {} })).body.status).toBe('completed');
  expect((await app.api.get(`/api/v1/process-instances/${c}`)).body.status).toBe('completed');

  // Bad input is 400 and writes nothing; a staff member may not migrate.
  for (const body of [{ processKey: 'migrant' }, { processKey: 'migrant', toVersion: 9 }, { processKey: 'migrant', toVersion: 3, migration: { 'bad id': 'x' } }, { processKey: 'migrant', toVersion: 3, migration: 'nope' }]) {
    expect([400, 404]).toContain((await app.api.post('/api/v1/counties/testshire/migrations', body)).status);
  }
  const staff = (await app.api.post('/api/v1/admin/users', { id: 'mig-staff', roles: ['staff'], counties: ['testshire'] })).body.token;
  expect((await app.api.as(staff).post('/api/v1/counties/testshire/migrations', { processKey: 'migrant', toVersion: 3 })).status).toBe(403);
  expect((await app.api.get('/api/v1/migrations/00000000-0000-0000-0000-000000000000')).status).toBe(404);
});

test('the migration step keeps every wait: an instance whose wait the new version lacks is left on its version, not broken', async () => {
  const e = await start('MIG-E'); // on v3, waiting at confirm
  // Reached through the runner directly (the deploy refuses it first): the step is refused, nothing commits.
  const v1 = (await app.core.db.knex('process_definitions').where({ county_id: 'testshire', process_key: 'migrant', version: 1 }).first()).id;
  const before = await app.core.db.knex('process_instances').where({ id: e }).first();
  await expect(app.core.runner.migrate(e, 'tester', v1, {})).rejects.toMatchObject({ code: 'migration_required' });
  const after = await app.core.db.knex('process_instances').where({ id: e }).first();
  expect(after).toMatchObject({ revision: before.revision, definition_id: before.definition_id });
  expect((await openTasks(e))[0]).toMatchObject({ elementId: 'confirm', status: 'open' });
});

test('at start (processes/ deployed by the server itself) running instances stay on their version', async () => {
  const f = await start('MIG-F'); // on v3
  const before = (await app.api.get(`/api/v1/process-instances/${f}`)).body.definitionId;
  const r = await app.core.deployments.deploy('testshire', await laidOut(diagram('confirm', '确认 (v4)', 'confirmLate')), 'migrant.bpmn', 'startup');
  expect(r).toMatchObject({ created: true, definition: { version: 4 } });
  expect(r.migration).toBeUndefined();
  expect((await app.api.get(`/api/v1/process-instances/${f}`)).body.definitionId).toBe(before);
  expect((await openTasks(f))[0].name).toBe('确认 (v3)');
});
