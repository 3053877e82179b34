/**
 * Point 5 through real HTTP: no input hangs a step or the server. A planted self-referencing variable
 * is just text; a step over its budget (activities, wall time) is aborted, its instance marked as an
 * incident (listed for administrators, shown on the instance), its timers wait, /health answers while
 * the step runs, and an administrator retries it after a fix.
 */
import { laidOut } from '../support/bpmn-layout';
import { ADMIN_TOKEN, ApiClient, TestApp, useApp } from '../support/harness';

const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"';

/** The shape: the unit of a task is a variable, and the next task of the case is for the unit too. */
const PLANTED = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d1" targetNamespace="http://example.org">
  <bpmn:process id="plantedUnit" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="verify" />
    <bpmn:userTask id="verify" camunda:candidateGroups="处理中心,\${environment.variables.unitId}" />
    <bpmn:sequenceFlow id="f2" sourceRef="verify" targetRef="rectify" />
    <bpmn:userTask id="rectify" camunda:candidateGroups="\${environment.variables.unitId}" camunda:assignee="\${environment.variables.assignee}" />
    <bpmn:sequenceFlow id="f3" sourceRef="rectify" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>`;

/** After "prepare", one notification per item (a sequential multi-instance whose size is a variable); a timer waits beside it. */
const FAN_OUT = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${NS} id="d2" targetNamespace="http://example.org">
  <bpmn:process id="fanOut" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="prepare" />
    <bpmn:userTask id="prepare" camunda:candidateGroups="处理中心" />
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="tellEach" />
    <bpmn:serviceTask id="tellEach" implementation="\${environment.services.notify}">
      <bpmn:extensionElements><camunda:properties><camunda:property name="template" value="escalation" /><camunda:property name="to" value="group:处理中心" /></camunda:properties></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>\${environment.variables.n}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="tellEach" targetRef="after" />
    <bpmn:userTask id="after" camunda:candidateGroups="处理中心" />
    <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="e1" /><bpmn:endEvent id="e1" />
    <bpmn:sequenceFlow id="f5" sourceRef="split" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>1d</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f6" sourceRef="wait" targetRef="e2" /><bpmn:endEvent id="e2" />
  </bpmn:process>
</bpmn:definitions>`;

describe('point 5: no input hangs a step or the server', () => {
  let app: TestApp;
  let api: ApiClient;
  // A generous activity budget, so the wall-time budget is what stops the long step below.
  useApp((a) => (app = a), { stepMaxActivities: 1_000_000, stepMaxMs: 5000 });

  beforeAll(async () => {
    api = app.api.as(ADMIN_TOKEN);
    await api.put('/api/v1/admin/clock', { now: '2026-11-02T09:00:00+08:00' });
    for (const xml of [PLANTED, FAN_OUT]) expect((await api.post('/api/v1/counties/testshire/deployments', await laidOut(xml), { 'content-type': 'application/xml' })).status).toBe(201);
  });

  const tasksOf = async (instanceId: string) => (await api.get(`/api/v1/tasks?instanceId=${instanceId}`)).body.items as Array<{ id: string; elementId: string; candidateGroups: string[]; assignee: string | null }>;

  test('a variable that names itself is text: the next completion answers at once and the task names it literally', async () => {
    const planted = '${environment.variables.unitId}';
    const started = await api.post('/api/v1/counties/testshire/process-instances', { processKey: 'plantedUnit', variables: { unitId: planted, assignee: '${environment.variables.caseId}' } });
    expect(started.status).toBe(201);
    const [verify] = await tasksOf(started.body.id);
    expect(verify.candidateGroups).toEqual(['处理中心', planted]);
    const t0 = Date.now();
    const done = await api.post(`/api/v1/tasks/${verify.id}/complete`, { variables: {} });
    expect(done.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(15_000); // it answers at all: before, it never did
    const [rectify] = await tasksOf(started.body.id);
    expect(rectify).toMatchObject({ elementId: 'rectify', candidateGroups: [planted], assignee: '${environment.variables.caseId}' });
    expect((await api.get('/health')).status).toBe(200);
  });

  test('over the activity budget: 409, the instance stopped by an incident, its timer waits, and a retry with a corrected variable goes on', async () => {
    const started = await api.post('/api/v1/counties/testshire/process-instances', { processKey: 'fanOut', businessKey: 'FAN-1', variables: { n: 10_000_000 } });
    expect(started.status).toBe(201);
    const id = started.body.id;
    const [prepare] = await tasksOf(id);
    const t0 = Date.now();
    const aborted = await api.post(`/api/v1/tasks/${prepare.id}/complete`, { variables: {} });
    expect(Date.now() - t0).toBeLessThan(15_000); // charged before the first iteration: no million iterations tried
    expect(aborted.status).toBe(409);
    expect(aborted.body).toMatchObject({ error: 'instance_incident', details: [{ field: 'instance', reason: 'is stopped by an incident' }] });
    expect(aborted.body.message).toMatch(/more than 1000000 activities \(at tellEach, a multi-instance of 10000000\)/);

    const instance = (await api.get(`/api/v1/process-instances/${id}`)).body;
    expect(instance).toMatchObject({ status: 'running', revision: 1, incidentStep: { kind: 'complete', actor: 'test-admin', taskId: prepare.id } });
    expect(instance.incident).toMatch(/STEP_MAX_ACTIVITIES/);
    const listed = (await api.get('/api/v1/process-instances?incident=true&county=testshire')).body.items.map((i: { id: string }) => i.id);
    expect(listed).toContain(id);
    expect((await api.get(`/api/v1/tasks/${prepare.id}`)).body.status).toBe('open'); // nothing of the step was kept
    expect((await api.post(`/api/v1/tasks/${prepare.id}/complete`, { variables: {} })).body.error).toBe('instance_incident');
    const history = (await api.get(`/api/v1/process-instances/${id}/history`)).body.events.map((e: { type: string }) => e.type);
    expect(history).toContain('instance.incident');
    expect(history).not.toContain('task.completed');

    // Its timer is due tomorrow: it waits with the instance.
    expect((await api.put('/api/v1/admin/clock', { now: '2026-11-04T09:00:00+08:00' })).body.timersFired).toBe(0);
    expect(await app.core.db.knex('timers').where({ instance_id: id })).toHaveLength(1);

    // Retrying without a fix fails the same way; with the variable corrected it goes on.
    expect((await api.post(`/api/v1/process-instances/${id}/retry`, {})).status).toBe(409);
    const retried = await api.post(`/api/v1/process-instances/${id}/retry`, { variables: { n: 2 } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'running', incident: null, incidentAt: null });
    expect((await tasksOf(id)).map((t) => t.elementId)).toEqual(['after']);
    expect(await app.core.db.knex('outbox').where({ instance_id: id })).toHaveLength(2);
    // The timer that waited fired with the retried step (a timer past due fires when its instance goes on).
    expect(await app.core.db.knex('timers').where({ instance_id: id })).toHaveLength(0);
    const after = (await api.get(`/api/v1/process-instances/${id}/history`)).body.events;
    expect(after.filter((e: { type: string; elementId: string }) => e.type === 'timer.fired' && e.elementId === 'wait')).toHaveLength(1);
    expect(after.find((e: { type: string }) => e.type === 'instance.retried')).toMatchObject({ actor: 'test-admin', data: { action: 'complete', corrected: ['n'] } });
    expect((await api.get('/api/v1/process-instances?incident=true&county=testshire')).body.items.map((i: { id: string }) => i.id)).not.toContain(id);
  });

  test('over the wall-time budget: aborted after STEP_MAX_MS while /health keeps answering', async () => {
    const started = await api.post('/api/v1/counties/testshire/process-instances', { processKey: 'fanOut', businessKey: 'FAN-2', variables: { n: 900_000 } });
    const [prepare] = await tasksOf(started.body.id);
    const t0 = Date.now();
    let answered: { status: number; body: { status: string } } | undefined;
    const step = api.post(`/api/v1/tasks/${prepare.id}/complete`, { variables: {} }).then((r) => {
      answered = r;
      return r;
    });
    const health: number[] = [];
    while (!answered) {
      const h0 = Date.now();
      const h = await fetch(`${app.url}/health`);
      expect(h.status).toBe(200);
      await h.text();
      if (!answered) health.push(Date.now() - h0);
    }
    const r = await step;
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/ran longer than 5000 ms/);
    expect(Date.now() - t0).toBeLessThan(5000 + 15_000);
    expect(health.length).toBeGreaterThanOrEqual(1); // /health answered while the step ran
    expect((await api.get(`/api/v1/process-instances/${started.body.id}`)).body.incident).toMatch(/STEP_MAX_MS/);
  });

  test('who may see and retry incidents: administrators of the county', async () => {
    const staff = app.api.as((await api.post('/api/v1/admin/users', { id: 'inc-staff', roles: ['staff', '处理中心'], counties: ['testshire'] })).body.token);
    expect((await staff.get('/api/v1/process-instances?incident=true')).status).toBe(403);
    const inc = (await api.get('/api/v1/process-instances?incident=true&county=testshire')).body.items[0];
    expect((await staff.post(`/api/v1/process-instances/${inc.id}/retry`, {})).status).toBe(403);
    const other = app.api.as((await api.post('/api/v1/admin/users', { id: 'inc-other-admin', roles: ['admin'], counties: ['otherton'] })).body.token);
    expect((await other.post(`/api/v1/process-instances/${inc.id}/retry`, {})).status).toBe(404);
    expect((await api.post(`/api/v1/process-instances/${inc.id}/retry`, { variables: { n: 'x'.repeat(20_000) } })).status).toBe(400);
  });
});
