/**
 * Timers that only notify, and their firing without an engine.
 *
 * Every user task of the county diagrams carries a reminder and an escalation: a non-interrupting
 * boundary timer whose path is one or more notify service tasks and a plain end event. Firing one
 * changes nothing of the case (no variable, no task, no other timer): it sends messages. Rebuilding the
 * instance's engine to learn that costs tens of milliseconds; the effect can be computed from the stored
 * variables in a fraction of one. So such a timer is fired in a batch (src/engine/timer-batch.ts) with
 * `fireNotifyOnly` below: the messages, the journal rows and the step's inputs are written, and the
 * timer row is marked fired instead of deleted. The stored engine state is not touched: at the
 * instance's next step the engine fires the timer itself (it is overdue), and the drive, told by the row
 * that the firing happened already, skips the chain's service calls and the duplicate journal row
 * (src/engine/drive.ts). A replay re-executes a batch firing with the same function (src/audit/replay.ts).
 *
 * What qualifies is decided from the diagram alone (`notifyOnlyTimers`), and conservatively: the
 * boundary event is a non-interrupting timer (no cycle) on an activity of the process itself (not in a
 * sub-process); from it one unconditional flow runs through service tasks, each with one way in and one
 * way out, no boundary events, no multi-instance, no input/output mapping, properties that read process
 * variables only, to a plain end event. Whether the services are pure (`fastFire` in the registry:
 * no database read, no effect, no result) is checked when the timer fires.
 */
import { pathSegments, resolveExpression } from './expressions';
import type { OutboxMessage, ServiceRegistry } from './services';

/** The path of a notify-only timer: its flows, the service tasks in order, its end. */
export interface NotifyChain {
  services: Array<{ elementId: string; service: string }>;
  endId: string;
}

const MAX_CHAIN = 8;
const EXPRESSION = /\$\{([^{}]*)\}/g;
/** Keys of an engine environment's variables that are the engine's own, not process variables. */
const NOT_VARIABLES = new Set(['fields', 'content', 'properties']);

interface CtxActivity {
  id: string;
  type: string;
  parent?: { id: string; type: string };
  behaviour?: Record<string, unknown> & {
    attachedTo?: { id: string };
    cancelActivity?: boolean;
    eventDefinitions?: Array<{ type: string; behaviour?: Record<string, unknown> }>;
    extensionElements?: { values?: Array<{ $type: string }> };
  };
}
interface CtxFlow {
  id: string;
  sourceId: string;
  targetId: string;
  behaviour?: { conditionExpression?: unknown };
}
interface ContextLike {
  getActivities(): CtxActivity[];
  getActivityById(id: string): CtxActivity | undefined;
  getInboundSequenceFlows(id: string): CtxFlow[];
  getOutboundSequenceFlows(id: string): CtxFlow[];
}

/** A property value that reads process variables only (`unit:${environment.variables.unitId}`). */
function readsVariablesOnly(value: string): boolean {
  for (const m of value.matchAll(EXPRESSION)) {
    const seg = pathSegments(m[1]);
    if (!seg || seg.length < 3 || seg[0] !== 'environment' || seg[1] !== 'variables' || NOT_VARIABLES.has(seg[2])) return false;
  }
  return true;
}

/**
 * The notify-only timers of a deployed version, by boundary event id. `serviceTasks` is what the deploy
 * kept of each service task (its service and raw properties: DefinitionElements).
 */
export function notifyOnlyTimers(context: unknown, serviceTasks: Record<string, { service: string; properties: Record<string, string> }>): Record<string, NotifyChain> {
  const ctx = context as ContextLike;
  if (!ctx || typeof ctx.getActivities !== 'function') return {};
  const activities = ctx.getActivities();
  const hasBoundary = new Set(activities.filter((a) => a.behaviour?.attachedTo).map((a) => a.behaviour!.attachedTo!.id));
  const out: Record<string, NotifyChain> = {};
  for (const b of activities) {
    const beh = b.behaviour;
    if (b.type !== 'bpmn:BoundaryEvent' || beh?.cancelActivity !== false || b.parent?.type !== 'bpmn:Process') continue;
    const defs = beh.eventDefinitions ?? [];
    if (defs.length !== 1 || defs[0].type !== 'bpmn:TimerEventDefinition' || defs[0].behaviour?.timeCycle) continue;
    const attached = ctx.getActivityById(beh.attachedTo?.id ?? '');
    if (!attached || attached.parent?.id !== b.parent.id) continue;
    const chain = chainFrom(ctx, b.id, hasBoundary, serviceTasks);
    if (chain) out[b.id] = chain;
  }
  return out;
}

function chainFrom(ctx: ContextLike, boundaryId: string, hasBoundary: Set<string>, serviceTasks: Record<string, { service: string; properties: Record<string, string> }>): NotifyChain | undefined {
  const services: NotifyChain['services'] = [];
  let at = boundaryId;
  for (let i = 0; i <= MAX_CHAIN; i++) {
    const outFlows = ctx.getOutboundSequenceFlows(at);
    if (outFlows.length !== 1 || outFlows[0].behaviour?.conditionExpression) return undefined;
    const next = ctx.getActivityById(outFlows[0].targetId);
    if (!next || ctx.getInboundSequenceFlows(next.id).length !== 1 || hasBoundary.has(next.id)) return undefined;
    const beh = next.behaviour ?? {};
    if (next.type === 'bpmn:EndEvent') {
      if ((beh.eventDefinitions ?? []).length) return undefined;
      return services.length ? { services, endId: next.id } : undefined;
    }
    if (next.type !== 'bpmn:ServiceTask') return undefined;
    const task = serviceTasks[next.id];
    if (!task || beh.loopCharacteristics || beh.ioSpecification || (beh as { type?: string }).type === 'external') return undefined;
    if ((beh.extensionElements?.values ?? []).some((v) => v.$type !== 'camunda:Properties')) return undefined;
    if (!Object.values(task.properties ?? {}).every((v) => readsVariablesOnly(String(v)))) return undefined;
    services.push({ elementId: next.id, service: task.service });
    at = next.id;
  }
  return undefined;
}

/** Whether every service on the chain may run outside an engine (pure, no database, no effect, no result). */
export function chainIsPure(chain: NotifyChain, services: ServiceRegistry): boolean {
  return chain.services.every((s) => {
    const def = services.get(s.service);
    return Boolean(def?.fastFire && !def.prepare && !def.recordsResult && !def.persist);
  });
}

/** A journal row of a firing (the shape of a step's journal entries, src/engine/drive.ts). */
export interface FiringEntry {
  type: string;
  elementId: string;
  elementType: string;
  actor: string | null;
  data: Record<string, unknown>;
}

/** What a firing sends and journals. */
export interface NotifyFiring {
  outbox: Array<OutboxMessage & { idempotencyKey: string }>;
  journal: FiringEntry[];
}

/** The instance and the timer as a batch firing reads them. */
export interface NotifyFireInput {
  instanceId: string;
  countyId: string;
  businessKey: string | null;
  /** The process variables as stored after the instance's last step. */
  variables: Record<string, unknown>;
  serviceTasks: Record<string, { service: string; properties: Record<string, string> }>;
  timer: { id: string; elementId: string; dueAt: Date };
  now: Date;
}

/**
 * The firing of a notify-only timer: what the engine would send and journal, computed from the stored
 * variables. The result changes no variable, task or timer of the instance but marks the timer fired.
 */
export async function fireNotifyOnly(input: NotifyFireInput, chain: NotifyChain, services: ServiceRegistry): Promise<NotifyFiring> {
  const journal: FiringEntry[] = [{ type: 'timer.fired', elementId: input.timer.elementId, elementType: 'bpmn:BoundaryEvent', actor: null, data: { dueAt: input.timer.dueAt.toISOString(), batch: true } }];
  const outbox: NotifyFiring['outbox'] = [];
  const scope = { environment: { variables: input.variables } };
  for (const s of chain.services) {
    const def = services.get(s.service);
    if (!def) throw new Error(`service ${s.service} is not registered`);
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.serviceTasks[s.elementId]?.properties ?? {})) properties[k] = String(resolveExpression(v, scope) ?? '');
    journal.push({ type: 'service.called', elementId: s.elementId, elementType: 'bpmn:ServiceTask', actor: 'system', data: { service: s.service } });
    const enqueued: OutboxMessage[] = [];
    await def.run({
      countyId: input.countyId,
      instanceId: input.instanceId,
      businessKey: input.businessKey,
      elementId: s.elementId,
      executionId: `${input.timer.id}:${s.elementId}`,
      properties,
      variables: { ...input.variables },
      now: input.now,
      enqueue: (m) => enqueued.push(m),
      effect: () => {
        throw new Error(`service ${s.service} recorded an effect: it cannot fire in a batch`);
      },
      record: (type, data) => journal.push({ type, elementId: s.elementId, elementType: 'bpmn:ServiceTask', actor: 'system', data }),
    });
    // The key names the timer row, so the same firing never queues a message twice.
    enqueued.forEach((m, i) => outbox.push({ ...m, idempotencyKey: `${input.instanceId}:${input.timer.id}:${s.elementId}:${m.key ?? i}` }));
  }
  return { outbox, journal };
}
