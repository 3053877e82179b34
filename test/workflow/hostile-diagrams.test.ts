/**
 * The hostile-diagram suite: hundreds of generated diagrams (sizes across every bound, texts, every
 * expression slot with every kind of expression, deadlines, structures the platform does not run, XML
 * tricks, services and forms misused) deployed to one server. For each: no 5xx; a refusal (4xx) leaves
 * every table as it was; an accepted diagram starts (by hand, with plausible variables) and its first
 * task completes without a 5xx (an incident is an answer); /health answers after each.
 */
import { ADMIN_TOKEN, TestApp, useApp } from '../support/harness';
import { chain, diagram, nestedSubProcesses, notifyTask, userTask } from '../support/diagrams';
import { countRows } from '../support/tables';
import { laidOut } from '../support/bpmn-layout';

function variants(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (name: string, xml: string) => out.push([name, xml]);
  const end = (from: string, id = 'e') => `<bpmn:sequenceFlow id="to_${id}" sourceRef="${from}" targetRef="${id}" /><bpmn:endEvent id="${id}" />`;

  // Sizes across the bounds.
  for (const n of [1, 99, 101, 3000]) add(`chain of ${n} tasks`, diagram(`${chain(n).xml}${userTask('u', n ? `c${n - 1}` : 's')}`));
  for (const n of [10, 499, 1001, 10_000]) {
    let xml = '<bpmn:sequenceFlow id="toFork" sourceRef="s" targetRef="fork" /><bpmn:parallelGateway id="fork" />';
    for (let i = 0; i < n; i++) xml += userTask(`u${i}`, 'fork');
    add(`${n} parallel user tasks`, diagram(xml));
  }
  for (const d of [1, 10, 11, 41, 5000]) add(`${d} nested sub-processes`, diagram(nestedSubProcesses(d, '<bpmn:startEvent id="is" /><bpmn:sequenceFlow id="isf" sourceRef="is" targetRef="iu" /><bpmn:userTask id="iu" />')));
  for (const d of [39, 41, 10_000]) add(`${d} nested extension elements`, diagram(`<bpmn:task id="t"><bpmn:extensionElements>${'<camunda:properties>'.repeat(d)}${'</camunda:properties>'.repeat(d)}</bpmn:extensionElements></bpmn:task>`));
  add('a 2 MB documentation', diagram(`<bpmn:task id="t"><bpmn:documentation>${'文'.repeat(700_000)}</bpmn:documentation></bpmn:task>`));
  add('a 1 MB documentation', diagram(`<bpmn:task id="t"><bpmn:documentation>${'d'.repeat(1_000_000)}</bpmn:documentation></bpmn:task>${userTask('u', 't')}`));
  add('5,000 attributes on one element', diagram(`<bpmn:userTask id="u" ${Array.from({ length: 5000 }, (_, i) => `a${i}="${i}"`).join(' ')} /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="u" />`));

  // Texts.
  for (const n of [255, 256, 100_000]) {
    add(`a process name of ${n}`, diagram(userTask('u', 's'), { name: 'n'.repeat(n) }));
    add(`a task name of ${n}`, diagram(userTask('u', 's', `name="${'名'.repeat(n)}"`)));
  }
  for (const n of [128, 129, 5000]) {
    add(`an element id of ${n}`, diagram(userTask('u'.repeat(n), 's')));
    add(`a process id of ${n}`, diagram(userTask('u', 's'), { id: `p${'x'.repeat(n - 1)}` }));
  }
  for (const ref of ['&#0;', '&#1;', '&#x1F;', '&#xFFFE;', '&#65535;', '&#xD800;', '&#9;', '&#x4E2D;', '&#1114112;', '&#99999999999;']) add(`${ref} in a name`, diagram(userTask('u', 's', `name="a${ref}b"`)));
  for (const raw of ['\u0000', '\u0001', '\u001f', '\ufffe']) add(`raw ${JSON.stringify(raw)} in a name`, diagram(userTask('u', 's', `name="a${raw}b"`)));
  add('a process id with spaces', diagram(userTask('u', 's'), { id: 'has space' }));
  add('an element id with a tab', diagram(userTask('u\tv', 's')));
  add('an element id of emoji', diagram(userTask('😀😀', 's')));

  // Every expression slot with every kind of expression.
  const expressions = [
    '${environment.variables.x}',
    '${environment.variables.a.b[0]}',
    '${environment.services.notify()}',
    "${environment.variables.x.constructor.constructor('return process')()}",
    '${environment.variables.__proto__}',
    '${environment.options.host}',
    '${}',
    '${environment.variables.x',
    '$${environment.variables.x}',
    '${ ${environment.variables.x} }',
    '${42}',
    'x'.repeat(1500),
  ];
  const slots: Array<[string, (e: string) => string]> = [
    ['candidateGroups', (e) => userTask('u', 's', `camunda:candidateGroups="${e}"`)],
    ['assignee', (e) => userTask('u', 's', `camunda:assignee="${e}"`)],
    ['dueDate', (e) => userTask('u', 's', `camunda:dueDate="${e}"`)],
    ['timeDuration', (e) => `<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="w" /><bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>${e}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>${userTask('u', 'w')}`],
    ['a condition', (e) => `<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g" /><bpmn:exclusiveGateway id="g" default="d" /><bpmn:sequenceFlow id="c" sourceRef="g" targetRef="u1"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${e}</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:userTask id="u1" /><bpmn:sequenceFlow id="d" sourceRef="g" targetRef="u2" /><bpmn:userTask id="u2" />`],
    ['loopCardinality', (e) => `<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="m" /><bpmn:userTask id="m"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${e}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>`],
    ['a property', (e) => `${notifyTask('n', 's', { template: 'escalation', to: e })}${userTask('u', 'n')}`],
    ['the template', (e) => `${notifyTask('n', 's', { template: e, to: 'group:x' })}${userTask('u', 'n')}`],
    ['the implementation', (e) => `<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="n" /><bpmn:serviceTask id="n" implementation="${e}" />${userTask('u', 'n')}`],
  ];
  for (const [slot, put] of slots) for (const e of expressions) add(`${slot} = ${e.slice(0, 40)}`, diagram(put(e)));

  // Deadlines.
  const deadlines = ['2wd', '当日', 'P300000Y', 'P99999D', 'P9Y', 'P11Y', '999wd', '1000wd', 'PT0S', '-1d', 'P2WD', 'R/PT1H', '2099-01-01T00:00:00+08:00', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2026-02-30T10:00:00+08:00', '2wd from receivedAt', '2wd from ${x}', 'soon', ''];
  deadlines.forEach((d, i) => {
    add(`dueDate ${d}`, diagram(userTask('u', 's', `camunda:dueDate="${d}"`)));
    if (i % 2) return;
    add(`timeDuration ${d}`, diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="w" /><bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>${d}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>${userTask('u', 'w')}`));
    add(`timeDate ${d}`, diagram(`${userTask('u', 's')}<bpmn:boundaryEvent id="b" attachedToRef="u"><bpmn:timerEventDefinition><bpmn:timeDate>${d}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>${end('b')}`));
  });

  // Loops and multi-instances.
  for (const card of ['0', '1', '100', '101', '-1', 'abc', '1e9', '${environment.variables.n}']) add(`multi-instance ${card}`, diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="m" /><bpmn:userTask id="m"><bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>${card}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>`));
  add('a multi-instance without cardinality', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="m" /><bpmn:userTask id="m"><bpmn:multiInstanceLoopCharacteristics /></bpmn:userTask>'));
  add('a collection from a variable', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="m" /><bpmn:userTask id="m"><bpmn:multiInstanceLoopCharacteristics camunda:collection="${environment.variables.list}" /></bpmn:userTask>'));
  add('a standard loop', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="m" /><bpmn:task id="m"><bpmn:standardLoopCharacteristics /></bpmn:task>'));
  for (const tag of ['task', 'manualTask', 'serviceTask', 'sendTask', 'exclusiveGateway', 'parallelGateway', 'inclusiveGateway', 'intermediateThrowEvent']) {
    const body = tag === 'serviceTask' || tag === 'sendTask' ? `<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="x" /><bpmn:${tag} id="x" implementation="\${environment.services.setStatus}"><bpmn:extensionElements><camunda:properties><camunda:property name="status" value="verifying" /></camunda:properties></bpmn:extensionElements></bpmn:${tag}>` : `<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="x" /><bpmn:${tag} id="x" />`;
    add(`a ${tag} flowing to itself`, diagram(`${body}<bpmn:sequenceFlow id="back" sourceRef="x" targetRef="x" />`));
    add(`a ${tag} in a loop through a user task`, diagram(`${body}${userTask('u', 'x')}<bpmn:sequenceFlow id="back" sourceRef="u" targetRef="x" />`));
  }
  add('a loop through link events', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="c" /><bpmn:intermediateCatchEvent id="c"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="g" sourceRef="c" targetRef="t" /><bpmn:intermediateThrowEvent id="t"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateThrowEvent>'));
  add('an error boundary looping back', diagram(`${notifyTask('n', 's')}<bpmn:boundaryEvent id="b" attachedToRef="n"><bpmn:errorEventDefinition /></bpmn:boundaryEvent><bpmn:sequenceFlow id="back" sourceRef="b" targetRef="n" />${userTask('u', 'n')}`));
  add('a timer boundary looping back', diagram(`${userTask('u', 's')}<bpmn:boundaryEvent id="b" attachedToRef="u" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>1wd</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:sequenceFlow id="back" sourceRef="b" targetRef="u" />`));

  // Structures.
  for (const el of ['complexGateway', 'callActivity', 'scriptTask', 'businessRuleTask', 'transaction', 'adHocSubProcess', 'receiveTask', 'eventBasedGateway', 'subProcess']) add(`a ${el}`, diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="x" /><bpmn:${el} id="x" />`));
  for (const def of ['compensateEventDefinition', 'cancelEventDefinition', 'conditionalEventDefinition', 'escalationEventDefinition', 'terminateEventDefinition', 'signalEventDefinition', 'messageEventDefinition']) add(`an end event with ${def}`, diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" /><bpmn:endEvent id="e"><bpmn:${def} /></bpmn:endEvent>`));
  add('no start event', diagram('').replace('<bpmn:startEvent id="s" />', '<bpmn:task id="t" />'));
  add('two processes', diagram(userTask('u', 's'), { outside: '<bpmn:process id="second" isExecutable="true"><bpmn:startEvent id="s2" /></bpmn:process>' }));
  add('no executable process', diagram(userTask('u', 's'), { attrs: '' }).replace('isExecutable="true"', 'isExecutable="false"'));
  add('a flow to nowhere', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere" />'));
  add('a flow from nowhere', diagram('<bpmn:sequenceFlow id="f" sourceRef="nowhere" targetRef="u" /><bpmn:userTask id="u" />'));
  add('an unattached boundary event', diagram('<bpmn:boundaryEvent id="b"><bpmn:timerEventDefinition><bpmn:timeDuration>1d</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'));
  add('duplicate ids', diagram(`${userTask('u', 's')}<bpmn:userTask id="u" />`));
  add('a script condition', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="u"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">process.exit(1)</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:userTask id="u" />'));
  add('an execution listener script', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="u" /><bpmn:userTask id="u"><bpmn:extensionElements><camunda:executionListener event="start"><camunda:script scriptFormat="javascript">process.exit(1)</camunda:script></camunda:executionListener></bpmn:extensionElements></bpmn:userTask>'));
  add('an input/output mapping', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="u" /><bpmn:userTask id="u"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="x">${environment.variables.x}</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>'));

  // XML.
  add('not XML', 'hello');
  add('empty', '');
  add('truncated', diagram(userTask('u', 's')).slice(0, 300));
  add('a DOCTYPE with entities', `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${diagram(userTask('u', 's')).replace('<?xml version="1.0" encoding="UTF-8"?>', '')}`);
  add('an external entity', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`);
  add('a byte order mark', `\ufeff${diagram(userTask('u', 's'))}`);
  add('declared UTF-16', diagram(userTask('u', 's')).replace('encoding="UTF-8"', 'encoding="UTF-16"'));
  add('no BPMN namespace', diagram(userTask('u', 's')).replace('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"', 'xmlns:bpmn="urn:x"'));
  add('a root that is not definitions', '<bpmn:process xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p" isExecutable="true" />');
  add('CDATA and comments everywhere', diagram(`<!-- ${'c'.repeat(10_000)} --><![CDATA[<bpmn:userTask id="fake" />]]>${userTask('u', 's')}`));
  add('a processing instruction', diagram(`<?evil do="things"?>${userTask('u', 's')}`));

  // Services and forms misused.
  add('an unknown service', diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="n" /><bpmn:serviceTask id="n" implementation="\${environment.services.exec}" />`));
  add('notify without a template', diagram(notifyTask('n', 's', { to: 'group:x' })));
  for (const t of ['../../../etc/passwd', 'nope', 'escalation.hbs', '', 'a'.repeat(2000)]) add(`template ${t.slice(0, 30)}`, diagram(`${notifyTask('n', 's', { template: t, to: 'group:x' })}${userTask('u', 'n')}`));
  add('a topic of 200', diagram(`${notifyTask('n', 's', { template: 'escalation', to: 'group:x', topic: 't'.repeat(200) })}${userTask('u', 'n')}`));
  add('a recipient list of 5,000', diagram(`${notifyTask('n', 's', { template: 'escalation', to: 'group:x,'.repeat(600) })}${userTask('u', 'n')}`));
  add('setStatus nonsense', diagram(`<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="n" /><bpmn:serviceTask id="n" implementation="\${environment.services.setStatus}"><bpmn:extensionElements><camunda:properties><camunda:property name="status" value="hacked" /></camunda:properties></bpmn:extensionElements></bpmn:serviceTask>`));
  add('camunda:class', diagram('<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="n" /><bpmn:serviceTask id="n" camunda:class="java.lang.Runtime" />'));
  for (const f of ['register', 'nosuch', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '../forms/register', 'x'.repeat(300)]) add(`formKey ${f.slice(0, 30)}`, diagram(userTask('u', 's', `camunda:formKey="${f}"`)));
  return out;
}

describe('hostile diagrams', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  test('hundreds of generated diagrams, one server: no 5xx, a refusal writes nothing, what is accepted starts and steps', async () => {
    const t0 = Date.now();
    const api = app.api.as(ADMIN_TOKEN);
    await api.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    const counts = await countRows(app.core.db.knex);
    const all = variants();
    const failures: string[] = [];
    let accepted = 0;
    let incidents = 0;
    let before = await counts();
    for (const [name, raw] of all) {
      // Laid out as a modeler would draw it, so the deploy lint judges the content, not the drawing.
      const xml = await laidOut(raw, { ends: true });
      const res = await api.post('/api/v1/counties/testshire/deployments?keepStranded=true', xml, { 'content-type': 'application/xml' });
      const after = await counts();
      if (res.status >= 500) failures.push(`${name}: deploy answered ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (res.status >= 400) {
        if (!res.body?.error || !Array.isArray(res.body.details ?? [])) failures.push(`${name}: ${res.status} without the error shape`);
        const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
        if (changed.length) failures.push(`${name}: refused (${res.status}), yet wrote ${changed.join(', ')}`);
      } else if (res.status === 201) {
        accepted++;
        const started = await api.post('/api/v1/counties/testshire/process-instances', { processKey: res.body.process_key, variables: { x: 'v', unitId: 'unit-a', n: 3, list: [1, 2], a: { b: ['c'] }, limit: '2wd' } });
        if (started.status >= 500) failures.push(`${name}: start answered ${started.status} ${JSON.stringify(started.body).slice(0, 200)}`);
        if (started.status === 201 && started.body.incident) incidents++;
        if (started.status === 201 && !started.body.incident) {
          const task = (await api.get(`/api/v1/tasks?instanceId=${started.body.id}`)).body.items?.[0];
          if (task) {
            const done = await api.post(`/api/v1/tasks/${task.id}/complete`, { variables: task.formKey === 'register' ? { verdict: 'genuine' } : {} });
            if (done.status >= 500) failures.push(`${name}: completion answered ${done.status} ${JSON.stringify(done.body).slice(0, 200)}`);
          }
        }
      } else failures.push(`${name}: deploy answered ${res.status}`);
      const health = await api.get('/health');
      if (health.status !== 200) failures.push(`${name}: /health answered ${health.status} after it`);
      before = await counts();
    }
    // A day later every timer that came due fires without a 5xx.
    const fired = await api.put('/api/v1/admin/clock', { now: '2026-11-04T10:00:00+08:00' });
    if (fired.status !== 200) failures.push(`firing the timers answered ${fired.status}`);
    const seconds = (Date.now() - t0) / 1000;
    // eslint-disable-next-line no-console
    console.log(`hostile diagrams: ${all.length} variants (${accepted} accepted, ${incidents} stopped as incidents at their start) in ${seconds.toFixed(1)} s`);
    expect(failures).toEqual([]);
    expect(all.length).toBeGreaterThan(250);
    expect(accepted).toBeGreaterThan(30);
    expect(all.length - accepted).toBeGreaterThan(120);
  }, 300_000);
});
