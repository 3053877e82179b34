/**
 * Points 6 and 8 through real HTTP. A deploy is bounded (the 422 says which bound) and answered fast
 * even for a diagram built to hold the server; what cannot run is refused at deploy rather than failing
 * on every start; and an administrator can make any earlier version current again, after which the
 * instances a bad version stopped can be retried.
 */
import { laidOut } from '../support/bpmn-layout';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADMIN_TOKEN, ApiClient, FIXTURES, TestApp, useApp } from '../support/harness';
import { badRating, serviceCase } from '../support/intake';
import { chain, diagram, nestedSubProcesses, notifyTask, userTask } from '../support/diagrams';

describe('points 6 and 8: what a deploy may hold, and going back to an earlier version', () => {
  let app: TestApp;
  let api: ApiClient;
  useApp((a) => (app = a));
  beforeAll(() => {
    api = app.api.as(ADMIN_TOKEN);
  });

  const deploy = (xml: string, county = 'testshire') => api.post(`/api/v1/counties/${county}/deployments`, xml, { 'content-type': 'application/xml' });
  const count = async () => Number((await app.core.db.knex('process_definitions').count<{ c: string }[]>('id as c'))[0].c);

  const parallel = (n: number) => {
    let xml = '<bpmn:sequenceFlow id="toFork" sourceRef="s" targetRef="fork" /><bpmn:parallelGateway id="fork" />';
    for (let i = 0; i < n; i++) xml += userTask(`u${i}`, 'fork');
    return xml;
  };

  const refused: Array<[string, () => string, RegExp]> = [
    // point 6: built to hold the server
    ['1,000 nested sub-processes', () => diagram(nestedSubProcesses(1000)), /nests \d+ levels deep, more than the 40 allowed/],
    ['5,000 nested sub-processes', () => diagram(nestedSubProcesses(5000)), /nests \d+ levels deep, more than the 40 allowed/],
    ['10,000 parallel user tasks', () => diagram(parallel(10_000)), /XML elements, more than the 10000 allowed/],
    ['1,200 parallel user tasks', () => diagram(parallel(1200)), /flow elements, more than the 1000 allowed/],
    ['10,000 nested extension elements', () => diagram(`<bpmn:task id="t"><bpmn:extensionElements>${'<camunda:properties>'.repeat(10_000)}${'</camunda:properties>'.repeat(10_000)}</bpmn:extensionElements></bpmn:task>`), /nests \d+ levels deep|XML elements, more than/],
    ['sub-processes 12 deep', () => diagram(nestedSubProcesses(12)), /sub-processes nest 12 deep, more than the 10 allowed/],
    ['a multi-instance of 100,000', () => diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="m" /><bpmn:userTask id="m"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>100000</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>`), /loopCardinality must be a whole number from 1 to 100/],
    // point 8: accepted before, then 500 on every start
    ['template="${…}"', () => diagram(notifyTask('n', 's', { template: '${environment.variables.t}', to: 'group:x' })), /template ".*" must be the name of a template, not an expression/],
    ['a process name of 300 characters', () => diagram('', { name: '名'.repeat(300) }), /process name is longer than 255/],
    ['a task name of 300 characters', () => diagram(userTask('u', 's', `name="${'x'.repeat(300)}"`)), /name is longer than 255/],
    ['an element id of 200 characters', () => diagram(userTask('u'.repeat(200), 's')), /an id must be 1–128 characters/],
    ['a form key of 300 characters', () => diagram(userTask('u', 's', `camunda:formKey="${'f'.repeat(300)}"`)), /formKey must be a name/],
    ['timeDuration P300000Y', () => diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="w" /><bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>P300000Y</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'), /P300000Y/],
    ['dueDate P300000Y', () => diagram(userTask('u', 's', 'camunda:dueDate="P300000Y"')), /camunda:dueDate "P300000Y"/],
    ['a deadline 20 years away', () => diagram(userTask('u', 's', 'camunda:dueDate="P20Y"')), /more than 10 years/],
    ['10,000 sequential tasks', () => diagram(chain(10_000).xml), /more than the (10000 allowed|1000 allowed)/],
    ['150 tasks that never wait', () => diagram(chain(150).xml), /15\d activities follow one another from here without a wait state, more than the 100 allowed/],
    ['a service task flowing to itself', () => diagram(`${notifyTask('n', 's')}<bpmn:sequenceFlow id="back" sourceRef="n" targetRef="n" />`), /a loop through this element never waits/],
    ['&#0; in an attribute', () => diagram(userTask('u', 's', 'name="a&#0;b"')), /&#0; names a character that XML does not allow/],
    ['a condition that calls a function', () => diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g" /><bpmn:exclusiveGateway id="g" default="d" /><bpmn:sequenceFlow id="c" sourceRef="g" targetRef="e"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${environment.services.notify()}</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id="d" sourceRef="g" targetRef="e" /><bpmn:endEvent id="e" />`), /is not a plain name/],
    ['an expression reading the host', () => diagram(userTask('u', 's', 'camunda:assignee="${environment.options.host}"')), /may read only environment.variables/],
  ];

  test.each(refused)('refuses %s with 422 naming the bound, fast, storing nothing', async (_name, build, reason) => {
    const before = await count();
    const xml = build();
    const t0 = Date.now();
    const res = await deploy(xml);
    const ms = Date.now() - t0;
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('deployment_rejected');
    expect([res.body.message, ...res.body.details.map((d: { reason: string }) => d.reason)].join('\n')).toMatch(reason);
    expect(res.body.details[0]).toEqual(expect.objectContaining({ field: expect.any(String), reason: expect.any(String) }));
    expect(await count()).toBe(before);
    expect(ms).toBeLessThan(10_000); // the diagrams held the event loop for 13–20 s
    expect((await api.get('/health')).status).toBe(200);
  });

  test('a diagram at the bounds is deployed and runs', async () => {
    // Laid out and ended, as a modeler draws it, so that bpmnlint's rules pass too.
    const res = await deploy(await laidOut(diagram(`${chain(90).xml}${userTask('u', 'c89')}<bpmn:sequenceFlow id="toEnd" sourceRef="u" targetRef="end" /><bpmn:endEvent id="end" />`, { id: 'longButFine', name: '名'.repeat(255) })));
    expect(res.status).toBe(201);
    const started = await api.post('/api/v1/counties/testshire/process-instances', { processKey: 'longButFine' });
    expect(started.status).toBe(201);
    expect(started.body.incident).toBeNull();
  });

  test('a version that stops every case is made current no more: ratings keep being taken, the stopped cases retried on the earlier version', async () => {
    const county = 'intakeshire';
    await api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    const original = fs.readFileSync(path.join(FIXTURES, 'processes', county, 'system-pushed.bpmn'), 'utf8');
    // Deployable (the due date is read at run time), but the comment is no deadline: every start stops.
    const broken = original.replace('camunda:dueDate="2wd"', 'camunda:dueDate="${environment.variables.comment}"');
    const v2 = await deploy(broken, county);
    expect(v2.body).toMatchObject({ version: 2, created: true, current: true });
    await api.post(`/api/v1/counties/${county}/service-cases`, [serviceCase('VP-1'), serviceCase('VP-2'), serviceCase('VP-3')]);

    const stopped = await api.post(`/api/v1/counties/${county}/evaluations`, badRating('VP-1'));
    expect(stopped.status).toBe(201); // not 500: the rating and its case are kept
    const kase = (await api.get(`/api/v1/counties/${county}/cases/${stopped.body.caseId}`)).body;
    expect(kase.instance.incident).toMatch(/^verify: the due date ".*" cannot be computed/);

    // Back to version 1: new cases run it; the pointer move is recorded.
    const made = await api.put(`/api/v1/counties/${county}/processes/intakeSystemPushed/current`, { version: 1 });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ version: 1, current: true, activations: [{ version: 1, reason: 'made-current', actor: 'test-admin' }, { version: 2, reason: 'deployed' }, { version: 1, reason: 'deployed' }] });
    const fine = await api.post(`/api/v1/counties/${county}/evaluations`, badRating('VP-2'));
    expect((await api.get(`/api/v1/counties/${county}/cases/${fine.body.caseId}`)).body.openTasks.map((t: { elementId: string }) => t.elementId)).toEqual(['verify']);

    // The stopped case starts again on the current version.
    const retried = await api.post(`/api/v1/process-instances/${kase.instance.id}/retry`, {});
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ incident: null, definitionId: made.body.id });
    expect((await api.get(`/api/v1/counties/${county}/cases/${stopped.body.caseId}`)).body.openTasks.map((t: { elementId: string }) => t.elementId)).toEqual(['verify']);

    // Sending the content of a version again makes it current (a start of the server would not).
    expect((await deploy(broken, county)).body).toMatchObject({ version: 2, created: false, current: true });
    expect((await deploy(original, county)).body).toMatchObject({ version: 1, created: false, current: true });
    const all = (await api.get(`/api/v1/definitions?county=${county}&processKey=intakeSystemPushed&versions=all`)).body.items;
    expect(all.map((d: { version: number; current: boolean }) => [d.version, d.current])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect((await api.get(`/api/v1/definitions?county=${county}`)).body.items.find((d: { process_key: string }) => d.process_key === 'intakeSystemPushed').version).toBe(1);
    const third = await api.post(`/api/v1/counties/${county}/evaluations`, badRating('VP-3'));
    expect((await api.get(`/api/v1/counties/${county}/cases/${third.body.caseId}`)).body.instance.incident).toBeNull();

    // Who may move it, and what it answers to nonsense.
    const staff = app.api.as((await api.post('/api/v1/admin/users', { id: 'vp-staff', roles: ['staff'], counties: [county] })).body.token);
    expect((await staff.put(`/api/v1/counties/${county}/processes/intakeSystemPushed/current`, { version: 2 })).status).toBe(403);
    expect((await api.put(`/api/v1/counties/${county}/processes/intakeSystemPushed/current`, { version: 9 })).status).toBe(404);
    expect((await api.put(`/api/v1/counties/${county}/processes/intakeSystemPushed/current`, { version: '1' })).body.details).toEqual([{ field: 'version', reason: 'must be a whole number ≥ 1' }]);
  });
});
