/**
 * Delivery of the outbox, a scheduler job: claims due rows (lease, SKIP LOCKED, shared by every server
 * process), resolves recipient tokens such as `evaluator` at delivery (the outbox never holds a phone
 * number), hands each row to the transport, and retries failures with exponential backoff until the row
 * is parked as dead.
 */
import type { Knex } from 'knex';
import type { OutboxRow } from '../db/tables';
import { claimDue, markDelivered, markFailed } from '../engine/outbox';
import type { Logger } from '../log';
import type { Contacts, Transport } from './transports';

export interface DispatchOptions {
  nodeId: string;
  leaseMs: number;
  maxAttempts: number;
}

export type ContactResolver = (row: OutboxRow) => Promise<Contacts | undefined>;

export class OutboxDispatch {
  readonly name = 'outbox';

  constructor(
    private readonly knex: Knex,
    private readonly transport: Transport,
    private readonly contacts: ContactResolver | undefined,
    private readonly opts: DispatchOptions,
    private readonly logger: Logger,
  ) {}

  run(): Promise<number> {
    return this.dispatch();
  }

  /** Delivers due outbox rows; answers how many were delivered. */
  async dispatch(limit = 50, wall: Date = new Date()): Promise<number> {
    const claimed = await claimDue(this.knex, this.opts.nodeId, limit, wall, this.opts.leaseMs);
    let delivered = 0;
    for (const row of claimed) {
      try {
        const contacts = this.contacts ? await this.contacts(row) : undefined;
        await this.transport.deliver(row, contacts);
        await markDelivered(this.knex, row, wall);
        delivered++;
      } catch (err) {
        const attempts = row.attempts + 1;
        const dead = attempts >= this.opts.maxAttempts;
        const backoff = Math.min(1000 * 2 ** (attempts - 1), 15 * 60_000) * (0.8 + Math.random() * 0.4);
        await markFailed(this.knex, row, { attempts, dead, error: (err as Error).message, nextAttemptAt: new Date(wall.getTime() + backoff) });
        this.logger.warn(`notification ${row.id} (${row.topic}) failed attempt ${attempts}${dead ? ', parked as dead' : ''}: ${(err as Error).message}`);
      }
    }
    return delivered;
  }
}
