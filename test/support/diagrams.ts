/** Diagrams built in tests: one executable process around a body of flow elements. */

export const BPMN_NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** A diagram whose process `id` starts at "s" and holds `body`. */
export function diagram(body: string, opts: { id?: string; name?: string; attrs?: string; outside?: string } = {}): string {
  const name = opts.name === undefined ? '' : ` name="${opts.name}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions ${BPMN_NS} id="defs" targetNamespace="http://example.org/hcp">
  <bpmn:process id="${opts.id ?? 'hostile'}"${name} isExecutable="true" ${opts.attrs ?? ''}>
    <bpmn:startEvent id="s" />
    ${body}
  </bpmn:process>${opts.outside ?? ''}
</bpmn:definitions>`;
}

/** A user task that waits, reached from `from`. */
export function userTask(id: string, from: string, attrs = 'camunda:candidateGroups="处理中心"'): string {
  return `<bpmn:sequenceFlow id="to_${id}" sourceRef="${from}" targetRef="${id}" /><bpmn:userTask id="${id}" ${attrs} />`;
}

/** `n` elements of a tag one after another from `from`; answers the xml and the last id. */
export function chain(n: number, tag = 'task', from = 's', prefix = 'c'): { xml: string; last: string } {
  let xml = '';
  let prev = from;
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${i}`;
    xml += `<bpmn:${tag} id="${id}" /><bpmn:sequenceFlow id="${prefix}f${i}" sourceRef="${prev}" targetRef="${id}" />`;
    prev = id;
  }
  return { xml, last: prev };
}

/** `depth` sub-processes one inside the other, the innermost holding `inner`. */
export function nestedSubProcesses(depth: number, inner = '<bpmn:startEvent id="is" />'): string {
  let xml = inner;
  for (let i = depth - 1; i >= 0; i--) xml = `<bpmn:subProcess id="sp${i}">${xml}</bpmn:subProcess>`;
  return `<bpmn:sequenceFlow id="toSp" sourceRef="s" targetRef="sp0" />${xml}`;
}

/** A notify service task (testshire templates: handover, escalation). */
export function notifyTask(id: string, from: string, props: Record<string, string> = { template: 'escalation', to: 'group:处理中心' }, extra = ''): string {
  const p = Object.entries(props)
    .map(([k, v]) => `<camunda:property name="${k}" value="${v}" />`)
    .join('');
  return `<bpmn:sequenceFlow id="to_${id}" sourceRef="${from}" targetRef="${id}" /><bpmn:serviceTask id="${id}" implementation="\${environment.services.notify}"><bpmn:extensionElements><camunda:properties>${p}</camunda:properties></bpmn:extensionElements>${extra}</bpmn:serviceTask>`;
}
