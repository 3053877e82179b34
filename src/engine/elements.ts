/**
 * The host's own element behaviour for bpmn-engine: a timer that reads the step's instant and the
 * county's deadline expressions instead of the system time and the ISO parser, a timers registry that
 * never calls setTimeout (due timers are rows in the database, fired by the scheduler), service tasks
 * bound by expression, and a script handler that refuses every script.
 */
import * as Elements from 'bpmn-elements';
import { TypeResolver } from 'moddle-context-serializer';

/**
 * What the host needs from deadline arithmetic. The implementation is the county calendars
 * (src/calendar/county-deadlines.ts); the host only asks "is this expression valid" and "when is it due".
 */
export interface DeadlineResolution {
  due: Date;
  /** Computed without the calendar of a year it runs into (weekends only there). */
  provisional: boolean;
}

export interface DeadlinePort {
  /** Throws an Error whose message says what is wrong and what is accepted; with a county, also one too far away. */
  validate(expression: string, countyId?: string): void;
  compute(countyId: string, expression: string, from: Date, variables: Record<string, unknown>): DeadlineResolution;
}

/** Passed to every Engine as the option `host`; bpmn-elements keeps unknown options in environment.options. */
export interface HostOptions {
  /** The instant of the step being driven (the injected clock, read once per step). */
  now(): Date;
  deadlines: DeadlinePort;
  countyId: string;
  /**
   * The due instant of a pending timer as the database has it. The timers table is the truth: when a
   * calendar year is corrected the rows are recomputed, and the resumed engine follows them.
   */
  dueOverride?(executionId: string): Date | undefined;
  /** Charges activities to the step's budget; aborts the step (throws) when it is spent. */
  charge?(elementId: string, count: number): void;
  /** Aborts the step as an incident with this reason (throws). */
  abort?(reason: string): never;
}

/** Thrown inside the engine to stop a step at once; the drive turns it into an incident. */
export class StepAbort extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StepAbort';
  }
}

// bpmn-elements ships no types for its classes' internals; these are the members used here.
interface TimerDefinitionInternals {
  environment: { options: { host?: HostOptions }; resolveExpression(expr: string, message?: unknown): unknown; variables: Record<string, unknown> };
  timeDuration?: string;
  timeDate?: string;
  timeCycle?: string;
}

const BaseTimer = Elements.TimerEventDefinition as unknown as { new (...args: unknown[]): object; prototype: object };

/**
 * Timer event definition resolved with the host clock and deadline expressions. The base class still
 * does the messaging; only the computation of the expiry instant is ours. A resumed timer keeps the
 * absolute expireAt it was given when entered. When the clock has passed it, it is not fired inside the
 * resume (the library's order there is not the order of the deadlines): it is registered as a timer about
 * to expire, and the drive fires every expired timer after the resume, earliest deadline first, exactly as
 * it does on an engine kept from the previous step (src/engine/drive.ts, fireExpiredTimers).
 */
export class HostTimerEventDefinition extends BaseTimer {
  _getTimers(this: TimerDefinitionInternals, executeMessage: { content: Record<string, unknown> }) {
    const host = this.environment.options.host;
    if (!host) throw new Error('HostTimerEventDefinition needs the host option');
    const content = executeMessage.content;
    const now = host.now();
    if (content.expireAt) {
      const expireAt = host.dueOverride?.(content.executionId as string) ?? new Date(content.expireAt as string);
      return { timerType: content.timerType, expireAt, timeout: Math.max(1, expireAt.getTime() - now.getTime()), provisional: content.provisional };
    }
    for (const timerType of ['timeDate', 'timeDuration', 'timeCycle'] as const) {
      const raw = this[timerType];
      if (!raw) continue;
      if (timerType === 'timeCycle') throw new Error('timeCycle timers are not supported; use timeDuration');
      const resolved = String(this.environment.resolveExpression(raw, executeMessage) ?? '').trim();
      let resolution: DeadlineResolution;
      try {
        resolution = host.deadlines.compute(host.countyId, resolved, now, this.environment.variables);
      } catch (err) {
        const id = (executeMessage.content as { id?: string }).id ?? 'a timer';
        if (host.abort) host.abort(`${id}: the ${timerType} "${resolved.slice(0, 100)}" cannot be computed: ${(err as Error).message.split(';')[0]}`);
        throw err;
      }
      const { due, provisional } = resolution;
      return { timerType, [timerType]: resolved, expireAt: due, timeout: due.getTime() - now.getTime(), provisional };
    }
    return { timeout: 0 };
  }
}

/** A timers registry for one engine: remembers what was set, schedules nothing. */
export function recordingTimers() {
  return new Elements.Timers({
    setTimeout: (() => ({ recorded: true })) as unknown as typeof setTimeout,
    clearTimeout: (() => undefined) as unknown as typeof clearTimeout,
  });
}

export interface PendingTimer {
  elementId: string;
  executionId: string;
  expireAt: Date;
  expression?: string;
  provisional: boolean;
}

export function pendingTimers(timers: ReturnType<typeof recordingTimers>): PendingTimer[] {
  return (timers.executing as unknown as Array<{ owner?: Record<string, unknown> }>)
    .filter((ref) => ref.owner?.expireAt)
    .map((ref) => {
      const o = ref.owner as Record<string, unknown>;
      const type = o.timerType as string | undefined;
      return {
        elementId: o.id as string,
        executionId: o.executionId as string,
        expireAt: new Date(o.expireAt as string),
        expression: type ? (o[type] as string | undefined) : undefined,
        provisional: Boolean(o.provisional),
      };
    });
}

/**
 * A service task with camunda:type="external" is work for an external worker (Camunda external tasks):
 * it waits like a user task (bpmn-elements' SignalTask: activity.wait, then a signal completes it and an
 * error message throws a BPMN error to its boundary events). Every other service task calls a service.
 */
function HostServiceTask(activityDef: { behaviour?: { type?: string } }, context: unknown) {
  const El = Elements as unknown as Record<string, (def: unknown, ctx: unknown) => unknown>;
  return activityDef.behaviour?.type === 'external' ? El.SignalTask(activityDef, context) : El.ServiceTask(activityDef, context);
}

const BaseLoop = (Elements as unknown as Record<string, unknown>).MultiInstanceLoopCharacteristics as { new (...args: unknown[]): object; prototype: { execute(message: unknown): unknown } };

interface LoopInternals {
  activity: { id: string; environment: { options: { host?: HostOptions }; resolveExpression(expr: string, message?: unknown): unknown } };
  loopCharacteristics: { behaviour?: { collection?: string; loopCardinality?: string; loopMaximum?: string } };
  characteristics: unknown;
}

/**
 * A multi-instance whose cardinality comes from a variable may ask for millions of iterations, each
 * slower than the last; the library would spend minutes creating them. The iterations are charged to
 * the step's budget before the first one starts, so an oversized loop aborts the step instead.
 */
export class HostMultiInstanceLoopCharacteristics extends BaseLoop {
  execute(this: LoopInternals & { constructor: unknown }, executeMessage: { content?: Record<string, unknown> }) {
    const host = this.activity.environment.options.host;
    if (!this.characteristics && host?.charge && executeMessage?.content?.isRootScope !== false) {
      const b = this.loopCharacteristics.behaviour ?? {};
      let n = 0;
      if (b.collection) {
        const c = this.activity.environment.resolveExpression(b.collection, executeMessage);
        n = Array.isArray(c) ? c.length : 0;
      } else {
        const raw = b.loopCardinality ?? b.loopMaximum;
        const v = raw === undefined ? 0 : Number(this.activity.environment.resolveExpression(String(raw), executeMessage));
        n = Number.isFinite(v) ? v : 0;
      }
      if (n > 0) host.charge(this.activity.id, n);
    }
    return BaseLoop.prototype.execute.call(this, executeMessage);
  }
}

/** Element types of the host: the library's, with our timer, service task and multi-instance. Built once; shared by every engine. */
export const hostElements = {
  ...Elements,
  TimerEventDefinition: HostTimerEventDefinition,
  ServiceTask: HostServiceTask,
  MultiInstanceLoopCharacteristics: HostMultiInstanceLoopCharacteristics,
};
export const hostTypeResolver = TypeResolver(hostElements as never);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ActivityApi = any;

/** Diagram code never runs here: the deploy check refuses it, and this is the second lock on the door. */
export const noScripts = {
  register() {
    return undefined;
  },
  /** Asked for every condition; an expression condition has no language and needs no script. */
  getScript(language: string | undefined, activity: { id: string }) {
    if (!language) return undefined;
    throw new Error(`script (${language}) in ${activity.id} refused: scripts are not run on this platform`);
  },
};

/** camunda:expression="${environment.services.x}" on a service task binds the service like implementation does. */
export function expressionServiceExtension(activity: ActivityApi) {
  const b = activity.behaviour;
  if ((activity.type === 'bpmn:ServiceTask' || activity.type === 'bpmn:SendTask') && !b.implementation && b.expression && !b.Service) {
    b.Service = function ExpressionService(this: unknown, act: ActivityApi) {
      return {
        execute(message: ActivityApi, callback: (err: unknown, result?: unknown) => void) {
          const fn = act.environment.resolveExpression(b.expression, message);
          if (typeof fn !== 'function') return callback(new Error(`${b.expression} is not a service`));
          fn.call(act, message, (err: unknown, ...args: unknown[]) => callback(err, args));
        },
      };
    };
  }
  return undefined;
}
