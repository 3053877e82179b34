/**
 * Named services that diagrams bind with implementation="${environment.services.<name>}" (or
 * camunda:expression). A service runs inside a step: whatever it writes goes through the step's
 * transaction (outbox rows, domain rows), so a crash before commit leaves no trace and the service is
 * called again when the step is retried. Services must therefore be idempotent per executionId.
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
  trx: Knex.Transaction;
  /** Adds an outbox row to this step (delivered after commit, at least once). */
  enqueue(message: OutboxMessage): void;
}

export interface OutboxMessage {
  topic: string;
  recipients: string[];
  body: string;
  payload?: Record<string, unknown>;
  /** Distinguishes several messages of one service call. */
  key?: string;
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
}

export class ServiceRegistry {
  private readonly services = new Map<string, ServiceDefinition>();

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
