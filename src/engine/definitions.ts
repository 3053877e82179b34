/**
 * Parse and check a BPMN diagram once per deployed version. A diagram is refused with the element id and
 * the reason when it holds anything the host would not run faithfully: script code (never run in our
 * process), element types we do not support, services that are not registered, deadline expressions that
 * do not parse or fall too far away, forms or templates that do not exist, references that point
 * nowhere, expressions that read anything but variables and services, or anything larger than
 * DEPLOY_BOUNDS: the text is measured before it is parsed (bytes, elements, nesting), the process after
 * (flow elements, sub-process depth, names and ids that fit their columns, multi-instance cardinality, a
 * loop or a chain of activities that never waits). What is deployed can run.
 */
import { createHash } from 'node:crypto';
import { BpmnModdle } from 'bpmn-moddle';
import serializer from 'moddle-context-serializer';
import camundaSchema from 'camunda-bpmn-moddle/resources/camunda.json';
import { DeploymentRejectedError } from '../errors';
import type { DefinitionElements } from '../db/tables';
import { DeadlinePort, hostTypeResolver } from './elements';
import { expressionsIn, pathSegments } from './expressions';
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

/** What a deployed diagram may hold (the largest shipped diagram has ~1,000 XML elements and ~200 flow elements). */
export const DEPLOY_BOUNDS = {
  maxBytes: MAX_DIAGRAM_BYTES,
  /** XML elements of the file, diagram drawing (DI) included. */
  maxXmlElements: 10_000,
  /** Nesting of XML elements. */
  maxXmlDepth: 40,
  /** Flow elements of the process (activities, events, gateways, sequence flows), sub-processes included. */
  maxFlowElements: 1_000,
  /** Sub-processes inside sub-processes. */
  maxSubProcessDepth: 10,
  /** Activities one after another without a wait state (a user task, a catch event) between them. */
  maxWaitFreeChain: 100,
  /** Iterations of a multi-instance with a fixed cardinality (one from a variable is charged to the step's budget). */
  maxMultiInstance: 100,
  /** Names (process, elements): the name columns. */
  maxNameLength: 255,
  /** Ids (process, elements): executions are named after them. */
  maxIdLength: 128,
  /** candidateGroups, candidateUsers, assignee, property values. */
  maxAttributeLength: 1000,
  /** camunda:dueDate, timer expressions. */
  maxDeadlineLength: 200,
  maxFormKeyLength: 100,
};

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
  if (Buffer.byteLength(xml) > DEPLOY_BOUNDS.maxBytes) refuse(`the diagram is larger than ${DEPLOY_BOUNDS.maxBytes} bytes`);
  if (!xml.trimStart().startsWith('<')) refuse('this is not XML; send a BPMN 2.0 diagram');
  // No DTDs at all: that shuts out external entities (XXE) and entity expansion.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) refuse('DOCTYPE and ENTITY declarations are not allowed in a diagram');
  const badChar = forbiddenCharacter(xml);
  if (badChar) refuse(badChar);
  // Measured before parsing: the parse itself of an oversized file would hold the server for seconds.
  const shape = xmlShape(xml);
  if (shape.elements > DEPLOY_BOUNDS.maxXmlElements) refuse(`the diagram holds ${shape.elements} XML elements, more than the ${DEPLOY_BOUNDS.maxXmlElements} allowed`);
  if (shape.depth > DEPLOY_BOUNDS.maxXmlDepth) refuse(`the XML nests ${shape.depth} levels deep, more than the ${DEPLOY_BOUNDS.maxXmlDepth} allowed`);
  for (const body of expressionsIn(xml)) {
    const why = expressionProblem(body);
    if (why) refuse(`the expression \${${body.slice(0, 80)}} ${why}`);
  }

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
  if (!proc.id || !/^[A-Za-z_][\w.-]{0,127}$/.test(proc.id)) refuse('the process id must be a name of letters, digits, _ . - (at most 128)', String(proc.id ?? '').slice(0, 128) || undefined);
  if (proc.name && String(proc.name).length > DEPLOY_BOUNDS.maxNameLength) refuse(`the process name is longer than ${DEPLOY_BOUNDS.maxNameLength} characters`, proc.id);
  const size = countFlowElements(proc);
  if (size.count > DEPLOY_BOUNDS.maxFlowElements) refuse(`the process holds ${size.count} flow elements, more than the ${DEPLOY_BOUNDS.maxFlowElements} allowed`, proc.id);
  if (size.depth > DEPLOY_BOUNDS.maxSubProcessDepth) refuse(`sub-processes nest ${size.depth} deep, more than the ${DEPLOY_BOUNDS.maxSubProcessDepth} allowed`, proc.id);

  const elements: DefinitionElements = { userTasks: {}, serviceTasks: {}, timers: {} };
  const formKeys = new Set<string>();
  const ids = new Set<string>();

  const checkDeadline = (expr: string, elementId: string, what: string) => {
    if (expr.length > DEPLOY_BOUNDS.maxDeadlineLength) {
      problems.push({ element: elementId, reason: `${what} is longer than ${DEPLOY_BOUNDS.maxDeadlineLength} characters` });
      return;
    }
    if (expr.includes('${')) return; // resolved at run time; a value that does not compute stops the step as an incident then
    try {
      env.deadlines.validate(expr, env.countyId);
    } catch (err) {
      problems.push({ element: elementId, reason: `${what} "${expr}": ${(err as Error).message}` });
    }
  };

  const visit = (container: ModdleElement) => {
    for (const el of container.flowElements ?? []) {
      const type: string = el.$type;
      if (typeof el.id !== 'string' || !el.id || el.id.length > DEPLOY_BOUNDS.maxIdLength || /[\s\u0000-\u001f]/.test(el.id)) {
        problems.push({ element: String(el.id ?? '').slice(0, DEPLOY_BOUNDS.maxIdLength) || undefined, reason: `an id must be 1–${DEPLOY_BOUNDS.maxIdLength} characters without spaces` });
        continue;
      }
      if (ids.has(el.id)) problems.push({ element: el.id, reason: 'duplicate id' });
      ids.add(el.id);
      for (const reason of unsupportedExtensions(el)) problems.push({ element: el.id, reason });
      if (el.name && String(el.name).length > DEPLOY_BOUNDS.maxNameLength) problems.push({ element: el.id, reason: `the name is longer than ${DEPLOY_BOUNDS.maxNameLength} characters` });
      const loop = el.loopCharacteristics;
      if (loop) {
        if (loop.$type === 'bpmn:StandardLoopCharacteristics') problems.push({ element: el.id, reason: 'standard loops are not supported; use a multi-instance, or a loop in the diagram through a wait state' });
        else {
          const card = loop.loopCardinality?.body !== undefined ? String(loop.loopCardinality.body).trim() : undefined;
          if (!card && !loop.collection) problems.push({ element: el.id, reason: 'a multi-instance needs a loopCardinality or a camunda:collection' });
          if (card && !card.includes('${')) {
            if (!/^\d+$/.test(card) || Number(card) < 1 || Number(card) > DEPLOY_BOUNDS.maxMultiInstance) problems.push({ element: el.id, reason: `loopCardinality must be a whole number from 1 to ${DEPLOY_BOUNDS.maxMultiInstance}, or an expression` });
          }
        }
      }
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
        for (const a of ['candidateGroups', 'candidateUsers', 'assignee'] as const) {
          if (el[a] && String(el[a]).length > DEPLOY_BOUNDS.maxAttributeLength) problems.push({ element: el.id, reason: `camunda:${a} is longer than ${DEPLOY_BOUNDS.maxAttributeLength} characters` });
        }
        if (el.formKey && (String(el.formKey).length > DEPLOY_BOUNDS.maxFormKeyLength || !/^[\w.-]+$/.test(el.formKey))) problems.push({ element: el.id, reason: `camunda:formKey must be a name of letters, digits, _ . - (at most ${DEPLOY_BOUNDS.maxFormKeyLength})` });
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
          for (const [k, v] of Object.entries(properties)) {
            if (k.length > 100 || v.length > DEPLOY_BOUNDS.maxAttributeLength) problems.push({ element: el.id, reason: `the property "${k.slice(0, 40)}" is longer than ${DEPLOY_BOUNDS.maxAttributeLength} characters` });
          }
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
  for (const reason of unsupportedExtensions(proc)) problems.push({ element: proc.id, reason });
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
  if (!problems.length) problems.push(...waitFreeProblems(proc));

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

const UNSUPPORTED_EXTENSIONS: Record<string, string> = {
  'camunda:ExecutionListener': 'execution listeners are not run on this platform (diagram code is never run on the server); use a service task',
  'camunda:TaskListener': 'task listeners are not run on this platform; use a service task or a boundary timer',
  'camunda:InputOutput': 'input/output mappings are not applied on this platform; read ${environment.variables.<name>} where it is needed',
  'camunda:Connector': 'connectors are not run on this platform; bind a service with implementation="${environment.services.<name>}"',
};

/** Camunda extensions the engine would silently ignore: refused, so that a diagram does what it says. */
function unsupportedExtensions(el: ModdleElement): string[] {
  const out = new Set<string>();
  for (const ext of el.extensionElements?.values ?? []) if (UNSUPPORTED_EXTENSIONS[ext.$type]) out.add(UNSUPPORTED_EXTENSIONS[ext.$type]);
  return [...out];
}

/** A character a diagram may not hold (XML 1.0 forbids them; a column would refuse NUL). */
function forbiddenCharacter(xml: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(xml)) return 'the diagram holds a control character that XML does not allow';
  for (const m of xml.matchAll(/&#(x[0-9a-f]+|\d+);/gi)) {
    const code = m[1][0].toLowerCase() === 'x' ? parseInt(m[1].slice(1), 16) : parseInt(m[1], 10);
    const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!allowed) return `the character reference ${m[0]} names a character that XML does not allow`;
  }
  return undefined;
}

/** How many elements the XML text holds and how deep they nest, read without parsing it. */
function xmlShape(xml: string): { elements: number; depth: number } {
  let elements = 0;
  let depth = 0;
  let max = 0;
  for (const m of xml.matchAll(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<(\/?)[A-Za-z_][^\s/>]*(?:"[^"]*"|'[^']*'|[^'">])*?(\/?)>/g)) {
    if (m[0].startsWith('<!') || m[0].startsWith('<?')) continue;
    if (m[1]) depth--;
    else {
      elements++;
      if (!m[2]) max = Math.max(max, ++depth);
      else max = Math.max(max, depth + 1);
    }
  }
  return { elements, depth: max };
}

/** Why an expression body may not be in a diagram, or undefined. */
function expressionProblem(body: string): string | undefined {
  const t = body.trim();
  if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(t)) return undefined;
  const path = pathSegments(t);
  if (!path) return 'is not a plain name (no calls, no operators): write ${environment.variables.<name>}';
  if (path[0] !== 'environment' || !['variables', 'services'].includes(path[1]) || path.length < 3) return 'may read only environment.variables.<name> or name a service environment.services.<name>';
  return undefined;
}

/** Flow elements of a process, sub-processes included, and how deep sub-processes nest. */
function countFlowElements(container: ModdleElement, level = 0): { count: number; depth: number } {
  let count = 0;
  let depth = level;
  for (const el of container.flowElements ?? []) {
    count++;
    if (el.$type === 'bpmn:SubProcess' || el.$type === 'bpmn:Transaction' || el.$type === 'bpmn:AdHocSubProcess') {
      const inner = countFlowElements(el, level + 1);
      count += inner.count;
      depth = Math.max(depth, inner.depth);
    }
  }
  return { count, depth };
}

const WAITING_EVENTS = new Set(['bpmn:TimerEventDefinition', 'bpmn:MessageEventDefinition', 'bpmn:SignalEventDefinition', 'bpmn:ConditionalEventDefinition']);

/** Does the element hold the instance until something happens from outside (a person, a time, a message)? */
function waits(el: ModdleElement): boolean {
  if (['bpmn:UserTask', 'bpmn:ReceiveTask', 'bpmn:ManualTask', 'bpmn:EventBasedGateway'].includes(el.$type)) return true;
  if (el.$type === 'bpmn:IntermediateCatchEvent' || el.$type === 'bpmn:BoundaryEvent') return (el.eventDefinitions ?? []).some((d: ModdleElement) => WAITING_EVENTS.has(d.$type));
  return false;
}

/**
 * A loop that never waits runs for ever, and a chain of activities that never waits is run in one go by
 * the engine, one call inside the other: both are refused. Each container (the process, each
 * sub-process) is a graph of its flow nodes: sequence flows, boundary events after their activity, link
 * events after the link they catch. A sub-process counts as one node, waiting when anything inside it
 * waits, as long as the longest chain inside otherwise.
 */
function waitFreeProblems(container: ModdleElement): Problem[] {
  const problems: Problem[] = [];
  const nodes = (container.flowElements ?? []).filter((e: ModdleElement) => e.$type !== 'bpmn:SequenceFlow' && !/^bpmn:(DataObject|DataObjectReference|DataStoreReference)$/.test(e.$type));
  const weight = new Map<string, number>();
  const waiting = new Set<string>();
  for (const n of nodes) {
    if (n.$type === 'bpmn:SubProcess') {
      problems.push(...waitFreeProblems(n));
      const inner = innerShape(n);
      if (inner.waits) waiting.add(n.id);
      weight.set(n.id, 1 + inner.chain);
    } else {
      if (waits(n)) waiting.add(n.id);
      weight.set(n.id, 1);
    }
  }
  const next = new Map<string, string[]>(nodes.map((n: ModdleElement) => [n.id, []]));
  const edge = (from?: string, to?: string) => {
    if (from && to && next.has(from) && next.has(to)) next.get(from)!.push(to);
  };
  for (const e of container.flowElements ?? []) {
    if (e.$type === 'bpmn:SequenceFlow') edge(e.sourceRef?.id, e.targetRef?.id);
    if (e.$type === 'bpmn:BoundaryEvent') edge(e.attachedToRef?.id, e.id);
  }
  const linkName = (e: ModdleElement) => (e.eventDefinitions ?? []).find((d: ModdleElement) => d.$type === 'bpmn:LinkEventDefinition')?.name;
  for (const thrower of nodes.filter((n: ModdleElement) => n.$type === 'bpmn:IntermediateThrowEvent' && linkName(n))) {
    for (const catcher of nodes.filter((n: ModdleElement) => n.$type === 'bpmn:IntermediateCatchEvent' && linkName(n) === linkName(thrower))) edge(thrower.id, catcher.id);
  }
  // Longest chain ending at each node among nodes that do not wait; a node met again on its own path is a loop.
  const state = new Map<string, 1 | 2>();
  const longest = new Map<string, number>();
  let loopAt: string | undefined;
  const chain = (id: string): number => {
    if (waiting.has(id)) return 0;
    if (state.get(id) === 2) return longest.get(id)!;
    if (state.get(id) === 1) {
      loopAt ??= id;
      return 0;
    }
    state.set(id, 1);
    let best = 0;
    for (const to of next.get(id) ?? []) best = Math.max(best, chain(to));
    state.set(id, 2);
    const total = weight.get(id)! + best;
    longest.set(id, total);
    return total;
  };
  let worst = 0;
  let worstAt = '';
  for (const n of nodes) {
    if (state.has(n.id)) continue;
    const c = iterativeSafe(() => chain(n.id));
    if (c > worst) [worst, worstAt] = [c, n.id];
  }
  if (loopAt) problems.push({ element: loopAt, reason: 'a loop through this element never waits (no user task, receive task or catch event on it): it would run for ever' });
  else if (worst > DEPLOY_BOUNDS.maxWaitFreeChain) problems.push({ element: worstAt, reason: `${worst} activities follow one another from here without a wait state, more than the ${DEPLOY_BOUNDS.maxWaitFreeChain} allowed` });
  return problems;
}

/** Inside a sub-process: whether anything waits, and the longest chain of nodes (bounded by the node count). */
function innerShape(sub: ModdleElement): { waits: boolean; chain: number } {
  let anyWait = false;
  let count = 0;
  const walk = (c: ModdleElement) => {
    for (const e of c.flowElements ?? []) {
      if (e.$type === 'bpmn:SequenceFlow') continue;
      count++;
      if (waits(e)) anyWait = true;
      if (e.$type === 'bpmn:SubProcess') walk(e);
    }
  };
  walk(sub);
  return { waits: anyWait, chain: anyWait ? 0 : count };
}

/** The graph walk is recursive; the flow-element bound keeps it shallow, and this keeps a surprise from being a 500. */
function iterativeSafe(fn: () => number): number {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) return Number.MAX_SAFE_INTEGER;
    throw err;
  }
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
