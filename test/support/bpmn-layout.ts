/**
 * Gives a hand-written test diagram what bpmnlint's recommended rules ask of a diagram drawn in a
 * modeler: <incoming>/<outgoing> on every flow node, a name on every node, and a layout (BPMN DI) in
 * plain columns; with `ends`, an end event after every node that leads nowhere. Text that does not parse is returned as it is, so refusal tests still see it raw.
 */
import { BpmnModdle } from 'bpmn-moddle';
import camundaSchema from 'camunda-bpmn-moddle/resources/camunda.json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type El = any;

const SIZE: Record<string, [number, number]> = { event: [36, 36], gateway: [50, 50], task: [100, 80] };

function kind(type: string): keyof typeof SIZE {
  if (/Event$/.test(type)) return 'event';
  if (/Gateway$/.test(type)) return 'gateway';
  return 'task';
}

export async function laidOut(xml: string, opts: { ends?: boolean } = {}): Promise<string> {
  const moddle = new BpmnModdle({ camunda: camundaSchema }) as El;
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return xml;
  let parsed: El;
  try {
    parsed = await moddle.fromXML(xml);
  } catch {
    return xml;
  }
  // A diagram with dangling references would lose them on the way out; leave it as written.
  if (parsed.warnings?.length) return xml;
  const defs = parsed.rootElement;
  const proc = (defs?.rootElements ?? []).find((e: El) => e.$type === 'bpmn:Process');
  if (!proc) return xml;
  const elements: El[] = proc.flowElements ?? [];
  const flows = elements.filter((e) => e.$type === 'bpmn:SequenceFlow');
  const boundaries = elements.filter((e) => e.$type === 'bpmn:BoundaryEvent');
  const nodes = elements.filter((e) => e.$type !== 'bpmn:SequenceFlow' && e.$type !== 'bpmn:BoundaryEvent');
  if (opts.ends) {
    // Every path that stops at a node without an outgoing flow is closed by an end event of its own.
    const sources = new Set(flows.map((f: El) => f.sourceRef));
    for (const n of [...nodes, ...boundaries]) {
      if (sources.has(n) || n.$type === 'bpmn:EndEvent') continue;
      const end = moddle.create('bpmn:EndEvent', { id: `${n.id}_end` });
      const flow = moddle.create('bpmn:SequenceFlow', { id: `${n.id}_to_end`, sourceRef: n, targetRef: end });
      elements.push(end, flow);
      nodes.push(end);
      flows.push(flow);
    }
    proc.flowElements = elements;
  }
  for (const n of [...nodes, ...boundaries]) {
    n.incoming = [];
    n.outgoing = [];
    if (!n.name) n.name = n.id;
  }
  for (const f of flows) {
    if (f.sourceRef?.outgoing) f.sourceRef.outgoing.push(f);
    if (f.targetRef?.incoming) f.targetRef.incoming.push(f);
  }
  // A branch out of a gateway that splits is labelled too.
  for (const f of flows) if (!f.name && /Gateway$/.test(f.sourceRef?.$type ?? '') && f.sourceRef.outgoing.length > 1) f.name = f.id;

  // Columns by distance from the start events (boundary events count as their host).
  const column = new Map<El, number>();
  const queue: El[] = nodes.filter((n) => n.$type === 'bpmn:StartEvent' || !n.incoming.length);
  for (const n of queue) column.set(n, 0);
  while (queue.length) {
    const n = queue.shift();
    const outs = [...n.outgoing, ...boundaries.filter((b) => b.attachedToRef === n).flatMap((b) => b.outgoing)];
    for (const f of outs) {
      const t = f.targetRef;
      if (t && !column.has(t) && t.$type !== 'bpmn:BoundaryEvent') {
        column.set(t, column.get(n)! + 1);
        queue.push(t);
      }
    }
  }
  let last = Math.max(0, ...column.values());
  for (const n of nodes) if (!column.has(n)) column.set(n, ++last);

  const bounds = new Map<El, { x: number; y: number; width: number; height: number }>();
  const rows = new Map<number, number>();
  for (const n of nodes) {
    const c = column.get(n)!;
    const row = rows.get(c) ?? 0;
    rows.set(c, row + 1);
    const [width, height] = SIZE[kind(n.$type)];
    bounds.set(n, { x: 150 + c * 180 + (100 - width) / 2, y: 100 + row * 160 + (80 - height) / 2, width, height });
  }
  const perHost = new Map<El, number>();
  for (const b of boundaries) {
    const host = bounds.get(b.attachedToRef) ?? { x: 150, y: 100, width: 100, height: 80 };
    const k = perHost.get(b.attachedToRef) ?? 0;
    perHost.set(b.attachedToRef, k + 1);
    bounds.set(b, { x: host.x + 10 + k * 40, y: host.y + host.height - 18, width: 36, height: 36 });
  }

  const planeElement: El[] = [];
  for (const [el, b] of bounds) {
    planeElement.push(moddle.create('bpmndi:BPMNShape', { id: `${el.id}_di`, bpmnElement: el, bounds: moddle.create('dc:Bounds', b) }));
  }
  for (const f of flows) {
    const s = bounds.get(f.sourceRef);
    const t = bounds.get(f.targetRef);
    if (!s || !t) continue;
    const waypoint = [
      moddle.create('dc:Point', { x: s.x + s.width, y: s.y + s.height / 2 }),
      moddle.create('dc:Point', { x: t.x, y: t.y + t.height / 2 }),
    ];
    planeElement.push(moddle.create('bpmndi:BPMNEdge', { id: `${f.id}_di`, bpmnElement: f, waypoint }));
  }
  const plane = moddle.create('bpmndi:BPMNPlane', { id: `${proc.id}_plane`, bpmnElement: proc, planeElement });
  defs.diagrams = [moddle.create('bpmndi:BPMNDiagram', { id: `${proc.id}_diagram`, plane })];
  const { xml: out } = await moddle.toXML(defs, { format: true });
  return out;
}
