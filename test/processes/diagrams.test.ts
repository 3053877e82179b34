/**
 * Every diagram of processes/<county>/ deploys through the real host (deploy checks: services, forms,
 * templates, deadline expressions), has a complete diagram layout (a BPMNShape for every flow node, a
 * BPMNEdge for every sequence flow) so it opens in Camunda Modeler / bpmn-js.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BpmnModdle } from 'bpmn-moddle';
import camundaSchema from 'camunda-bpmn-moddle/resources/camunda.json';
import { TestApp, useApp } from '../support/harness';
import { COUNTIES, PROCESSES_DIR, TEMPLATES_DIR } from './support';

const diagrams = COUNTIES.flatMap((county) =>
  fs
    .readdirSync(path.join(PROCESSES_DIR, county))
    .filter((f) => f.endsWith('.bpmn'))
    .map((file) => ({ county, file, xml: fs.readFileSync(path.join(PROCESSES_DIR, county, file), 'utf8') })),
);

describe('the jurisdictions’ diagrams', () => {
  let app: TestApp;
  useApp((a) => (app = a), { processesDir: PROCESSES_DIR, templatesDir: TEMPLATES_DIR });

  test('every county has its folder and diagrams', () => {
    const folders = fs.readdirSync(PROCESSES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory() && !/^[._]/.test(e.name)).map((e) => e.name);
    expect(folders.sort()).toEqual([...COUNTIES].sort());
    for (const county of COUNTIES) expect(diagrams.filter((d) => d.county === county).length).toBeGreaterThan(0);
  });

  test('every diagram was deployed at start (the host refuses a bad one and does not start)', async () => {
    const res = await app.api.get('/api/v1/definitions');
    expect(res.status).toBe(200);
    const deployed = (res.body.items ?? res.body).map((d: { countyId?: string; county_id?: string; fileName?: string; file_name?: string }) => `${d.countyId ?? d.county_id}/${d.fileName ?? d.file_name}`);
    for (const d of diagrams) expect(deployed).toContain(`${d.county}/${d.file}`);
  });

  test.each(diagrams.map((d) => [`${d.county}/${d.file}`, d] as const))('%s deploys again through the API unchanged (same checks)', async (_name, d) => {
    const res = await app.api.post(`/api/v1/counties/${d.county}/deployments`, { xml: d.xml, fileName: d.file });
    expect([200, 201]).toContain(res.status);
    expect(res.body.created).toBe(false);
  });

  test.each(diagrams.map((d) => [`${d.county}/${d.file}`, d] as const))('%s has a shape for every flow node and an edge for every flow', async (_name, d) => {
    const moddle = new BpmnModdle({ camunda: camundaSchema });
    const { rootElement, warnings } = await moddle.fromXML(d.xml);
    expect(warnings).toEqual([]);
    const processes = rootElement.rootElements.filter((e: { $type: string }) => e.$type === 'bpmn:Process');
    expect(processes).toHaveLength(1);
    const proc = processes[0];
    expect(proc.isExecutable).toBe(true);
    expect(proc.id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    const flowNodes = proc.flowElements.filter((e: { $type: string }) => e.$type !== 'bpmn:SequenceFlow');
    const flows = proc.flowElements.filter((e: { $type: string }) => e.$type === 'bpmn:SequenceFlow');
    const plane = rootElement.diagrams[0].plane;
    expect(plane.bpmnElement.id).toBe(proc.id);
    const shapes = new Map<string, { bounds: { x: number; y: number; width: number; height: number } }>();
    const edges = new Map<string, { waypoint: Array<{ x: number; y: number }> }>();
    for (const el of plane.planeElement) {
      if (el.$type === 'bpmndi:BPMNShape') shapes.set(el.bpmnElement.id, el);
      if (el.$type === 'bpmndi:BPMNEdge') edges.set(el.bpmnElement.id, el);
    }
    const missingShapes = flowNodes.filter((n: { id: string }) => !shapes.has(n.id)).map((n: { id: string }) => n.id);
    const missingEdges = flows.filter((f: { id: string }) => !edges.has(f.id)).map((f: { id: string }) => f.id);
    expect(missingShapes).toEqual([]);
    expect(missingEdges).toEqual([]);
    for (const n of flowNodes) {
      expect(n.id).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(n.name).toMatch(/[\u4e00-\u9fff]/); // names in Chinese
      const b = shapes.get(n.id)!.bounds;
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.width).toBeGreaterThan(0);
    }
    for (const f of flows) expect(edges.get(f.id)!.waypoint.length).toBeGreaterThanOrEqual(2);
    // No two shapes (other than a boundary event on its task) overlap.
    const boxes = flowNodes
      .filter((n: { $type: string }) => n.$type !== 'bpmn:BoundaryEvent')
      .map((n: { id: string }) => ({ id: n.id, ...shapes.get(n.id)!.bounds }));
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) overlaps.push(`${a.id}/${b.id}`);
      }
    }
    expect(overlaps).toEqual([]);
    // Conventions: every exclusive gateway with a choice has a default flow; boundary timers do not
    // interrupt, except the one that closes an appeal or contest window (named 期限届满).
    for (const n of flowNodes) {
      if (n.$type === 'bpmn:ExclusiveGateway' && flows.filter((f: { sourceRef: { id: string } }) => f.sourceRef.id === n.id).length > 1) {
        expect(n.default?.id).toBeTruthy();
      }
      if (n.$type === 'bpmn:BoundaryEvent' && n.cancelActivity !== false) expect(n.name).toMatch(/期限届满$/);
    }
  });

  test.each(diagrams.map((d) => [`${d.county}/${d.file}`, d] as const))('%s: every notification text renders (strict) from the case and form variables; the evaluator’s holds nobody else’s data', async (_name, d) => {
    const moddle = new BpmnModdle({ camunda: camundaSchema });
    const { rootElement } = await moddle.fromXML(d.xml);
    const proc = rootElement.rootElements.find((e: { $type: string }) => e.$type === 'bpmn:Process');
    // Every variable a case can have here: the intake's, the services' outputs, and every field of the county's forms.
    const vars: Record<string, unknown> = {
      caseId: 'c', receivedAt: '2026-03-02T01:00:00Z', kind: 'system-pushed', unitId: 'u', unitName: '单位', serviceName: '事项', serviceCode: 'x',
      staffName: '某某', level: 2, levelName: '不满意', options: ['attitude-1'], comment: '评价内容', channel: '4', sampled: true, caseStatus: 'received', caseStatusAt: '2026-03-02T01:00:00Z',
      sampleMonth: '2026-03', deductions: [], deductionSummary: '窗口责任人（attitude：attitude-1）', // outputs of the services
    };
    const formsDir = path.join(PROCESSES_DIR, d.county, 'forms');
    for (const f of fs.readdirSync(formsDir)) {
      const schema = JSON.parse(fs.readFileSync(path.join(formsDir, f), 'utf8'));
      for (const [k, p] of Object.entries<{ type: string; enum?: string[] }>(schema.properties)) vars[k] ??= p.enum ? p.enum[0] : p.type === 'boolean' ? true : p.type === 'number' ? 1 : '值';
    }
    const notifies = proc.flowElements.filter((e: { $type: string; implementation?: string }) => e.$type === 'bpmn:ServiceTask' && e.implementation === '${environment.services.notify}');
    expect(notifies.length).toBeGreaterThan(0);
    for (const n of notifies) {
      const props: Record<string, string> = Object.fromEntries(n.extensionElements.values[0].values.map((p: { name: string; value: string }) => [p.name, p.value]));
      expect(props.to).not.toMatch(/\d{7,}/); // recipients are roles, units or "evaluator", never a phone number
      const body = app.core.templates.render(d.county, props.template, { ...vars, businessKey: 'BK-1', instanceId: 'i', now: new Date() });
      expect(body.length).toBeGreaterThan(10);
      if (props.topic === 'reminder' || props.topic === 'escalation') {
        // A timer can fire at any step: its text needs nothing but what the intake passes at start.
        const { caseId, receivedAt, kind, unitId, unitName, serviceName, serviceCode, staffName, level, levelName, options, comment, channel } = vars;
        const start = { caseId, receivedAt, kind, unitId, unitName, serviceName, serviceCode, staffName, level, levelName, options, comment, channel };
        expect(() => app.core.templates.render(d.county, props.template, { ...start, businessKey: 'BK-1', instanceId: 'i', now: new Date() })).not.toThrow();
      }
      if (props.to.split(',').includes('evaluator')) {
        expect(props.to).toBe('evaluator'); // the evaluator's text goes to the evaluator alone
        const file = app.core.templates.resolve(d.county, props.template)!;
        const used = [...fs.readFileSync(file, 'utf8').matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]);
        // plannedDate is a YYYY-MM-DD the form's pattern allows, no free text.
        expect(used.filter((v) => !['businessKey', 'serviceName', 'unitName', 'plannedDate'].includes(v))).toEqual([]);
        expect(body).not.toContain('某某');
      }
    }
  });

  test('host: an exclusive gateway with ${environment.variables.genuine} conditions runs', async () => {
    await app.api.put('/api/v1/admin/clock', { now: '2026-03-02T09:00:00+08:00' });
    const start = await app.api.post('/api/v1/counties/siping/process-instances', {
      processKey: 'sipingBadReview',
      businessKey: 'HOST-GATEWAY-1',
      variables: { caseId: 'x', receivedAt: '2026-03-02T01:00:00Z', kind: 'system-pushed', unitId: 'sp-bdc', unitName: '窗口', serviceName: '事项', serviceCode: 'c', staffName: '某', level: 2, levelName: '不满意', options: [], comment: '', channel: '4' },
    });
    expect(start.status).toBe(201);
    const task = (await app.api.get(`/api/v1/tasks?instanceId=${start.body.id}`)).body.items[0];
    const done = await app.api.post(`/api/v1/tasks/${task.id}/complete`, { variables: { genuine: true, reason: 'r', realDemand: 'd' } });
    expect({ status: done.status, body: done.status === 200 ? 'ok' : done.body }).toEqual({ status: 200, body: 'ok' });
    const next = (await app.api.get(`/api/v1/tasks?instanceId=${start.body.id}`)).body.items.map((t: { elementId: string }) => t.elementId);
    expect(next.sort()).toEqual(['fileContest', 'rectify']); // 9.3: the contest window is open alongside
  });
});
