/**
 * Named services that diagrams bind with implementation="${environment.services.<name>}" (or
 * camunda:expression). A service runs inside the drive of a step, which touches no database: it answers
 * variables, queues outbox messages with `enqueue`, and records database changes with `effect`. The
 * step's commit hands each effect back to the service's `persist`, in the step's transaction, so a crash
 * before commit leaves no trace and the service is simply called again when the step is retried.
 * Services must therefore be idempotent per executionId.
 *
 * A service that must read the database to answer (a counter, an earlier answer) says so with `prepare`:
 * the first drive of the step stops when it reaches the service, the runner runs `prepare` in the step's
 * transaction (where it may lock what it reads), and drives the step again from the stored state with
 * what was read in `call.prepared`. Only steps that reach such a service pay for it.
 */
import type { Knex } from 'knex';

export interface ServiceCall {
  countyId: string;
  instanceId: string;
  businessKey: string | null;
  elementId: string;
  executionId: string;
  /** camunda:properties of the service task, values with ${…} resolved against the process. */
  properties: Record<string, string>;
  variables: Record<string, unknown>;
  now: Date;
  /** Adds an outbox row to this step (delivered after commit, at least once). */
  enqueue(message: OutboxMessage): void;
  /** Records a change of the service's own tables, written by its `persist` when the step commits. */
  effect(data: Record<string, unknown>): void;
  /** Adds an entry to the history of the instance in this step (e.g. document.archived with its hash). */
  record(type: string, data: Record<string, unknown>): void;
  /** What the service's `prepare` read for this call (services with `prepare` only). */
  prepared?: Record<string, unknown>;
}

/** Where a service is about to be called: what its `prepare` may look up. */
export interface PreparationCall {
  countyId: string;
  instanceId: string;
  businessKey: string | null;
  elementId: string;
  executionId: string;
  now: Date;
}

/** The drive reached a service that must read the database first (see `prepare`); the runner does and drives again. */
export class NeedsPreparation extends Error {
  constructor(
    readonly service: string,
    readonly call: PreparationCall,
  ) {
    super(`service ${service} needs to read the database before it answers`);
  }
}

export interface OutboxMessage {
  topic: string;
  recipients: string[];
  body: string;
  payload?: Record<string, unknown>;
  /** Distinguishes several messages of one service call. */
  key?: string;
}

/** Where an effect is written: the instance and the step it belongs to. */
export interface EffectContext {
  countyId: string;
  instanceId: string;
  businessKey: string | null;
  now: Date;
}

/** A business error that the diagram catches with an error boundary event of the same errorCode. */
export class BusinessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Returned value becomes the task's output, and, when it is an object, is merged into the variables. */
export type ServiceFn = (call: ServiceCall) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

export interface ServiceDefinition {
  name: string;
  description: string;
  /** Property names the diagram must set on the task (checked at deploy). */
  requiredProperties?: string[];
  /** Checks the task's properties at deploy; returns reasons it is refused. */
  lint?(properties: Record<string, string>, countyId: string): string[];
  run: ServiceFn;
  /** Writes one effect the service recorded, in the transaction of the step's commit. */
  persist?(trx: Knex.Transaction, effect: Record<string, unknown>, ctx: EffectContext): Promise<void>;
  /** Reads what the service needs, in the step's transaction, before the drive that calls it. */
  prepare?(trx: Knex.Transaction, call: PreparationCall): Promise<Record<string, unknown>>;
  /** Whether a call with these properties needs `prepare` (default: every call does). */
  needsPreparation?(properties: Record<string, string>): boolean;
  /**
   * The answer cannot be computed again from the recorded inputs (it draws at random, or reads the
   * database): the drive writes it into the journal (`service.result`), where a replay finds it.
   */
  recordsResult?: boolean;
  /**
   * The service only computes messages from its properties and the variables (no database, no effect, no
   * result, no variable): a timer whose path calls nothing else may fire in a batch without its engine
   * (src/engine/notify-timers.ts).
   */
  fastFire?: boolean;
}

export class ServiceRegistry {
  private readonly services = new Map<string, ServiceDefinition>();

  constructor(definitions: ServiceDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(def: ServiceDefinition): void {
    this.services.set(def.name, def);
  }

  get(name: string): ServiceDefinition | undefined {
    return this.services.get(name);
  }

  names(): string[] {
    return [...this.services.keys()].sort();
  }
}
