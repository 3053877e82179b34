import { laidOut } from '../support/bpmn-layout';
import {TestApp, fixture, useApp } from '../support/harness';

const ok = fixture('processes', 'testshire', 'host-basic.bpmn');

function diagram(body: string, extraNs = '') {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ${extraNs} id="d" targetNamespace="http://example.org">
  <bpmn:process id="bad" isExecutable="true">
    <bpmn:startEvent id="s" />
    ${body}
  </bpmn:process>
</bpmn:definitions>`;
}

describe('deployments', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  async function countDefinitions() {
    const r = await app.core.db.knex('process_definitions').count<{ c: string }[]>('id as c');
    return Number(r[0].c);
  }

  const bad: Array<[string, string, RegExp, string]> = [
    ['not XML', 'hello, this is not a diagram', /not XML/, ''],
    ['empty', '   ', /empty/, ''],
    ['XXE entity', `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="x">&xxe;</bpmn:process></bpmn:definitions>`, /DOCTYPE and ENTITY/, ''],
    ['broken XML', '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="x">', /does not parse|root element|exactly one/, ''],
    ['script task', diagram('<bpmn:scriptTask id="run" scriptFormat="javascript"><bpmn:script>require("fs")</bpmn:script></bpmn:scriptTask><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="run" />'), /script tasks are not allowed/, 'run'],
    ['unknown service', diagram('<bpmn:serviceTask id="call" implementation="${environment.services.launchMissiles}" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="call" />'), /unknown service "launchMissiles"/, 'call'],
    ['missing target', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere" />'), /"nowhere", which does not exist/, 'f'],
    ['script condition', diagram('<bpmn:exclusiveGateway id="g" /><bpmn:endEvent id="e" /><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g" /><bpmn:sequenceFlow id="f" sourceRef="g" targetRef="e"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">next(null, true)</bpmn:conditionExpression></bpmn:sequenceFlow>', 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'), /script conditions/, 'f'],
    ['ambiguous ISO duration', diagram('<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>P2WD</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="w" />'), /P2WD/, 'w'],
    ['bad due date', diagram('<bpmn:userTask id="u" camunda:dueDate="two days" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="u" />'), /camunda:dueDate "two days"/, 'u'],
    ['missing form', diagram('<bpmn:userTask id="u" camunda:formKey="nosuchform" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="u" />'), /form "nosuchform" does not exist/, 'u'],
    ['missing template', diagram('<bpmn:serviceTask id="n" implementation="${environment.services.notify}"><bpmn:extensionElements><camunda:properties><camunda:property name="template" value="nope" /><camunda:property name="to" value="group:x" /></camunda:properties></bpmn:extensionElements></bpmn:serviceTask><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="n" />'), /template "nope" not found/, 'n'],
    ['timeCycle', diagram('<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="w" />'), /timeCycle/, 'w'],
    ['unsupported element', diagram('<bpmn:complexGateway id="cg" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="cg" />'), /ComplexGateway is not supported/, 'cg'],
  ];

  test.each(bad)('refuses %s with the reason, and stores nothing', async (_name, xml, reason, element) => {
    const before = await countDefinitions();
    // Laid out as a modeler would draw it, so the refusal is for the reason under test, not for the picture.
    const res = await app.api.post('/api/v1/counties/testshire/deployments', await laidOut(xml), { 'content-type': 'application/xml' });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('deployment_rejected');
    expect(res.body.message).toMatch(reason);
    if (element) expect(res.body.details.map((d: { element: string }) => d.element)).toContain(element);
    expect(await countDefinitions()).toBe(before);
  });

  test('an unchanged diagram is reused; a changed one becomes a new version and running instances move to it', async () => {
    const list = await app.api.get('/api/v1/definitions?county=testshire');
    const v1 = list.body.items.find((d: { process_key: string }) => d.process_key === 'hostBasic');
    expect(v1.version).toBe(1);
    const same = await app.api.post('/api/v1/counties/testshire/deployments', ok, { 'content-type': 'application/xml' });
    expect(same.status).toBe(201);
    expect(same.body).toMatchObject({ id: v1.id, version: 1, created: false });

    await app.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
    const old = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'V-1' })).body;

    const changed = ok.replace('name="Register the case"', 'name="Register the case (v2)"');
    const v2 = await app.api.post('/api/v1/counties/testshire/deployments', { xml: changed, fileName: 'host-basic.bpmn' });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, created: true, process_key: 'hostBasic', migration: { status: 'done', moved: 1 } });

    const fresh = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'V-2' })).body;
    expect(fresh.definitionId).toBe(v2.body.id);
    expect(old.definitionId).toBe(v1.id);
    expect((await app.api.get(`/api/v1/process-instances/${old.id}`)).body.definitionId).toBe(v2.body.id);
    const oldTask = (await app.api.get(`/api/v1/tasks?instanceId=${old.id}`)).body.items[0];
    expect(oldTask.name).toBe('Register the case (v2)');
    const newTask = (await app.api.get(`/api/v1/tasks?instanceId=${fresh.id}`)).body.items[0];
    expect(newTask.name).toBe('Register the case (v2)');
    expect((await app.api.post(`/api/v1/tasks/${oldTask.id}/complete`, { variables: { verdict: 'genuine' } })).status).toBe(200);

    const all = await app.api.get('/api/v1/definitions?county=testshire&versions=all');
    expect(all.body.items.filter((d: { process_key: string }) => d.process_key === 'hostBasic').map((d: { version: number }) => d.version)).toEqual([2, 1]);
    const one = await app.api.get(`/api/v1/definitions/${v2.body.id}`);
    expect(one.body.source).toContain('(v2)');
  });

  test('multipart upload with a form file', async () => {
    const form = new FormData();
    const xml = await laidOut(diagram('<bpmn:userTask id="u" camunda:formKey="extra" /><bpmn:endEvent id="e" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="u" /><bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e" />').replace('id="bad"', 'id="uploaded"'));
    form.append('file', new Blob([xml], { type: 'application/xml' }), 'uploaded.bpmn');
    form.append('form', new Blob([JSON.stringify({ type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] })], { type: 'application/json' }), 'extra.json');
    const res = await fetch(`${app.url}/api/v1/counties/testshire/deployments`, { method: 'POST', headers: { authorization: 'Bearer test-admin-token' }, body: form });
    const body = await res.json();
    expect(res.status).toBe(201);
    expect(body).toMatchObject({ process_key: 'uploaded', file_name: 'uploaded.bpmn', created: true });
    const inst = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'uploaded' })).body;
    const task = (await app.api.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
    const bad = await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toEqual({ field: 'ok', reason: 'is required' });
  });

  test('bpmnlint recommended: a gateway that forks and joins is refused with its id; a diagram without a layout is refused', async () => {
    const before = await countDefinitions();
    const forkJoin = await laidOut(
      diagram(`<bpmn:userTask id="a" name="A" /><bpmn:userTask id="b" name="B" /><bpmn:exclusiveGateway id="g" name="G?" default="toB" /><bpmn:endEvent id="e" name="E" />
        <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g" /><bpmn:sequenceFlow id="back" sourceRef="a" targetRef="g" />
        <bpmn:sequenceFlow id="toA" name="again" sourceRef="g" targetRef="a"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${environment.variables.again}</bpmn:conditionExpression></bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="toB" name="done" sourceRef="g" targetRef="b" /><bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e" />`, 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'),
    );
    const res = await app.api.post('/api/v1/counties/testshire/deployments', forkJoin, { 'content-type': 'application/xml' });
    expect(res.status).toBe(422);
    expect(res.body.details).toContainEqual({ field: 'g', element: 'g', reason: 'bpmnlint no-gateway-join-fork: Gateway forks and joins' });
    const bare = diagram('<bpmn:endEvent id="e" name="E" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" />');
    const noDi = await app.api.post('/api/v1/counties/testshire/deployments', bare, { 'content-type': 'application/xml' });
    expect(noDi.status).toBe(422);
    expect(noDi.body.details).toContainEqual({ field: 'e', element: 'e', reason: 'bpmnlint no-bpmndi: Element is missing bpmndi' });
    expect(await countDefinitions()).toBe(before);
    // The same diagram laid out passes.
    const fine = await app.api.post('/api/v1/counties/testshire/deployments', (await laidOut(bare)).replace(/"bad"/g, '"fine"'), { 'content-type': 'application/xml' });
    expect(fine.status).toBe(201);
  });

  test('unknown county is 404; staff without process-admin cannot deploy', async () => {
    const res = await app.api.post('/api/v1/counties/atlantis/deployments', ok, { 'content-type': 'application/xml' });
    expect(res.status).toBe(404);
    const staff = (await app.api.post('/api/v1/admin/users', { id: 'clerk1', roles: ['staff'], counties: ['testshire'] })).body;
    const denied = await app.api.as(staff.token).post('/api/v1/counties/testshire/deployments', ok, { 'content-type': 'application/xml' });
    expect(denied.status).toBe(403);
  });
});
