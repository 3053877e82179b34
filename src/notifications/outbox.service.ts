/** Notifications for administrators: what waits, what was delivered, what is dead. */
import type { Knex } from 'knex';
import { User, visibleCounties } from '../auth/access';
import { listOutbox } from '../engine/outbox';
import { isUuid } from '../ids';
import { page } from '../paging';

export class OutboxService {
  constructor(private readonly knex: Knex) {}

  async list(user: User, f: { status?: string; instanceId?: string; businessKey?: string; limit?: number; offset?: number }) {
    const p = page(f.limit, f.offset);
    if (f.instanceId !== undefined && !isUuid(f.instanceId)) return { items: [], ...p };
    const items = await listOutbox(this.knex, { counties: visibleCounties(user), status: f.status, instanceId: f.instanceId, businessKey: f.businessKey, ...p });
    return { items, ...p };
  }
}
