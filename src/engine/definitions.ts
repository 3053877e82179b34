/**
 * Parse and check a BPMN diagram once per deployed version. A diagram is refused with the element id and
 * the reason when it holds anything the host would not run faithfully: script code (never run in our
 * process), element types we do not support, services that are not registered, deadline expressions that
 * do not parse, forms or templates that do not exist, or references that point nowhere.
 */
import { createHash } from 'node:crypto';
import { BpmnModdle } from 'bpmn-moddle';
import serializer from 'moddle-context-serializer';
import camundaSchema from 'camunda-bpmn-moddle/resources/camunda.json';
import { DeploymentRejectedError } from '../errors';
import type { DefinitionElements } from '../db/tables';
import { DeadlinePort, hostTypeResolver } from './elements';
import { lintDiagram } from './lint';
import type { ServiceRegistry } from './services';

export interface CompiledDefinition {
  processKey: string;
  name: string | null;
  checksum: string;
  serializedContext: string;
  elements: DefinitionElements;
  /** Form keys the user tasks refer to. */
  formKeys: string[];
}

export interface CompileEnvironment {
  countyId: string;
  services: ServiceRegistry;
  deadlines: DeadlinePort;
  /** Does the county have this form? */
  hasForm(formKey: string): boolean;
}

export const MAX_DIAGRAM_BYTES = 2 * 1024 * 1024;

const SUPPORTED = new Set([
  'bpmn:Process', 'bpmn:SubProcess', 'bpmn:StartEvent', 'bpmn:EndEvent', 'bpmn:IntermediateCatchEvent',
  'bpmn:IntermediateThrowEvent', 'bpmn:BoundaryEvent', 'bpmn:UserTask', 'bpmn:ServiceTask', 'bpmn:SendTask',
  'bpmn:ManualTask', 'bpmn:Task', 'bpmn:ExclusiveGateway', 'bpmn:ParallelGateway', 'bpmn:InclusiveGateway',
  'bpmn:EventBasedGateway', 'bpmn:SequenceFlow', 'bpmn:DataObject', 'bpmn:DataObjectReference',
  'bpmn:DataStoreReference', 'bpmn:TextAnnotation', 'bpmn:Association', 'bpmn:Group',
]);

const SUPPORTED_EVENT_DEFINITIONS = new Set([
  'bpmn:TimerEventDefinition', 'bpmn:ErrorEventDefinition', 'bpmn:MessageEventDefinition',
  'bpmn:SignalEventDefinition', 'bpmn:TerminateEventDefinition', 'bpmn:EscalationEventDefinition',
  'bpmn:LinkEventDefinition',
]);

const SERVICE_EXPRESSION = /^\$\{\s*environment\.services\.([A-Za-z_][\w]*)\s*\}$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModdleElement = any;

interface Problem {
  element?: string;
  reason: string;
}

export function checksumOf(xml: string): string {
  return createHash('sha256').update(xml).digest('hex');
}

export async function compileDefinition(xml: string, env: CompileEnvironment): Promise<CompiledDefinition> {
  const problems: Problem[] = [];
  const refuse = (reason: string, element?: string): never => {
    throw new DeploymentRejectedError(`The diagram was refused: ${element ? `${element}: ` : ''}${reason}`, [{ element, reason }]);
  };

  if (typeof xml !== 'string' || !xml.trim()) refuse('the body is empty; send the BPMN XML');
  if (Buffer.byteLength(xml) > MAX_DIAGRAM_BYTES) refuse(`the diagram is larger than ${MAX_DIAGRAM_BYTES} bytes`);
  if (!xml.trimStart().startsWith('<')) refuse('this is not XML; send a BPMN 2.0 diagram');
  // No DTDs at all: that shuts out external entities (XXE) and entity expansion.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) refuse('DOCTYPE and ENTITY declarations are not allowed in a diagram');

  const moddle = new BpmnModdle({ camunda: camundaSchema });
  let parsed: ModdleElement;
  try {
    parsed = await moddle.fromXML(xml);
  } catch (err) {
    refuse(`the XML does not parse: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = parsed.rootElement;
  if (!root || root.$type !== 'bpmn:Definitions') refuse('the root element is not bpmn:definitions');

  for (const w of parsed.warnings ?? []) {
    const m = /unresolved reference <([^>]+)>/.exec(w.message);
    const el = w.element?.id ?? w.element?.$parent?.id;
    problems.push({ element: el, reason: m ? `refers to "${m[1]}", which does not exist in the diagram` : w.message.split('\n')[0] });
  }

  const processes = (root.rootElements ?? []).filter((e: ModdleElement) => e.$type === 'bpmn:Process' && e.isExecutable !== false);
  if (processes.length !== 1) {
    refuse(`a diagram must hold exactly one executable process; found ${processes.length}`);
  }
  const proc = processes[0];
  if (!proc.id || !/^[A-Za-z_][\w.-]{0,127}$/.test(proc.id)) refuse('the process id must be a name of letters, digits, _ . -', proc.id);

  const elements: DefinitionElements = { userTasks: {}, serviceTasks: {}, timers: {} };
  const formKeys = new Set<string>();
  const ids = new Set<string>();

  const checkDeadline = (expr: string, elementId: string, what: string) => {
    if (expr.includes('${')) return; // resolved at run time; an unparsable value becomes an incident then
    try {
      env.deadlines.validate(expr);
    } catch (err) {
      problems.push({ element: elementId, reason: `${what} "${expr}": ${(err as Error).message}` });
    }
  };

  const visit = (container: ModdleElement) => {
    for (const el of container.flowElements ?? []) {
      const type: string = el.$type;
      if (ids.has(el.id)) problems.push({ element: el.id, reason: 'duplicate id' });
      ids.add(el.id);
      if (type === 'bpmn:ScriptTask') {
        problems.push({ element: el.id, reason: 'script tasks are not allowed: diagram code is never run on the server; use a service task' });
        continue;
      }
      if (!SUPPORTED.has(type)) {
        problems.push({ element: el.id, reason: `${type.replace('bpmn:', '')} is not supported by this platform` });
        continue;
      }
      for (const ed of el.eventDefinitions ?? []) {
        if (!SUPPORTED_EVENT_DEFINITIONS.has(ed.$type)) {
          problems.push({ element: el.id, reason: `${ed.$type.replace('bpmn:', '')} is not supported by this platform` });
        }
        if (ed.$type === 'bpmn:TimerEventDefinition') {
          const def = ed.timeDate ? ['timeDate', ed.timeDate] : ed.timeDuration ? ['timeDuration', ed.timeDuration] : ed.timeCycle ? ['timeCycle', ed.timeCycle] : undefined;
          if (!def) {
            problems.push({ element: el.id, reason: 'the timer has no timeDuration or timeDate' });
          } else if (def[0] === 'timeCycle') {
            problems.push({ element: el.id, reason: 'timeCycle timers are not supported; use timeDuration (and a loop in the diagram for repeats)' });
          } else {
            const expression = String(def[1].body ?? '').trim();
            checkDeadline(expression, el.id, def[0]);
            elements.timers[el.id] = { type: def[0], expression };
          }
        }
      }
      if (type === 'bpmn:SequenceFlow') {
        if (!el.sourceRef) problems.push({ element: el.id, reason: 'the sequence flow has no source' });
        if (!el.targetRef) problems.push({ element: el.id, reason: 'the sequence flow has no target' });
        const cond = el.conditionExpression;
        if (cond) {
          if (cond.language) problems.push({ element: el.id, reason: `script conditions (language="${cond.language}") are not allowed; write \${environment.variables.name}` });
          else if (!/^\s*\$\{[^}]+\}\s*$/.test(cond.body ?? '')) problems.push({ element: el.id, reason: 'a condition must be one expression like ${environment.variables.genuine}' });
        }
      }
      if (type === 'bpmn:BoundaryEvent' && !el.attachedToRef) problems.push({ element: el.id, reason: 'the boundary event is attached to nothing' });
      if (type === 'bpmn:UserTask') {
        const ut = {
          name: el.name,
          candidateGroups: el.candidateGroups,
          candidateUsers: el.candidateUsers,
          assignee: el.assignee,
          formKey: el.formKey,
          dueDate: el.dueDate,
        };
        if (ut.dueDate) checkDeadline(String(ut.dueDate).trim(), el.id, 'camunda:dueDate');
        if (ut.formKey) {
          if (!env.hasForm(ut.formKey)) problems.push({ element: el.id, reason: `form "${ut.formKey}" does not exist in processes/${env.countyId}/forms/` });
          formKeys.add(ut.formKey);
        }
        elements.userTasks[el.id] = JSON.parse(JSON.stringify(ut));
      }
      if (type === 'bpmn:ServiceTask' || type === 'bpmn:SendTask') {
        const impl: string | undefined = el.implementation ?? el.expression;
        const m = impl ? SERVICE_EXPRESSION.exec(impl.trim()) : null;
        if (type === 'bpmn:ServiceTask' && el.type === 'external') {
          const topic = String(el.topic ?? '').trim();
          const priority = el.taskPriority === undefined || el.taskPriority === null || el.taskPriority === '' ? 0 : Number(el.taskPriority);
          if (!topic) problems.push({ element: el.id, reason: 'an external service task needs camunda:topic, the topic its workers fetch' });
          else if (topic.includes('${') || topic.length > 200) problems.push({ element: el.id, reason: 'camunda:topic must be a plain name of at most 200 characters (no expression)' });
          if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) problems.push({ element: el.id, reason: 'camunda:taskPriority must be a whole number (no expression)' });
          if (impl || el.class || el.delegateExpression) problems.push({ element: el.id, reason: 'an external service task is done by a worker: give it camunda:topic and no implementation, class or expression' });
          (elements.externalTasks ??= {})[el.id] = { topic, priority: Number.isInteger(priority) ? priority : 0, ...(el.name ? { name: el.name } : {}), catches: [] };
        } else if (el.class || el.delegateExpression || el.type) {
          problems.push({ element: el.id, reason: 'camunda:class, delegateExpression and type="connector" are not supported; bind a service with implementation="${environment.services.<name>}", or make it an external task (camunda:type="external" camunda:topic="…")' });
        } else if (!m) {
          problems.push({ element: el.id, reason: `a service task needs implementation="\${environment.services.<name>}"; services: ${env.services.names().join(', ')}` });
        } else {
          const svc = env.services.get(m[1]);
          const properties = camundaProperties(el);
          if (!svc) {
            problems.push({ element: el.id, reason: `unknown service "${m[1]}"; services: ${env.services.names().join(', ')}` });
          } else {
            for (const p of svc.requiredProperties ?? []) {
              if (!properties[p]) problems.push({ element: el.id, reason: `service "${svc.name}" needs the camunda:property "${p}"` });
            }
            for (const reason of svc.lint?.(properties, env.countyId) ?? []) problems.push({ element: el.id, reason });
          }
          elements.serviceTasks[el.id] = { service: m[1], properties };
        }
      }
      if (type === 'bpmn:SubProcess') visit(el);
    }
  };
  visit(proc);

  // The errors a worker may throw at an external task: those its error boundary events catch.
  const boundaries = (container: ModdleElement): ModdleElement[] =>
    (container.flowElements ?? []).flatMap((e: ModdleElement) => (e.$type === 'bpmn:SubProcess' ? [e, ...boundaries(e)] : [e])).filter((e: ModdleElement) => e.$type === 'bpmn:BoundaryEvent');
  for (const b of boundaries(proc)) {
    const ext = elements.externalTasks?.[b.attachedToRef?.id];
    if (!ext) continue;
    for (const ed of b.eventDefinitions ?? []) {
      if (ed.$type !== 'bpmn:ErrorEventDefinition') continue;
      const code = ed.errorRef?.errorCode;
      if (!code) ext.catches = '*';
      else if (ext.catches !== '*') ext.catches.push(String(code));
    }
  }

  if (!(proc.flowElements ?? []).some((e: ModdleElement) => e.$type === 'bpmn:StartEvent')) {
    problems.push({ element: proc.id, reason: 'the process has no start event' });
  }

  // bpmnlint's recommended rules: an error (a gateway that forks and joins, an implicit split, a missing
  // label …) refuses the diagram like any other problem; warnings do not.
  for (const f of await lintDiagram(xml)) {
    if (f.severity === 'error') problems.push({ element: f.element, reason: `bpmnlint ${f.rule}: ${f.message}` });
  }

  if (problems.length) {
    const first = problems[0];
    throw new DeploymentRejectedError(
      `The diagram was refused (${problems.length} problem${problems.length > 1 ? 's' : ''}): ${first.element ? `${first.element}: ` : ''}${first.reason}`,
      problems,
    );
  }

  const serializedContext = serializer(parsed, hostTypeResolver).serialize();
  return {
    processKey: proc.id,
    name: proc.name ?? null,
    checksum: checksumOf(xml),
    serializedContext,
    elements,
    formKeys: [...formKeys],
  };
}

function camundaProperties(el: ModdleElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ext of el.extensionElements?.values ?? []) {
    if (ext.$type === 'camunda:Properties') {
      for (const p of ext.values ?? []) if (p.name) out[p.name] = p.value ?? '';
    }
  }
  return out;
}
