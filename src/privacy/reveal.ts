/**
 * Showing personal data in clear (?reveal=true). Only the role pii-reader may, and an administrator is
 * not one by default: seeing an evaluator is a duty of the callback staff, not of whoever runs the
 * server. Every reveal writes an audit row (who, when, which rating or case, which fields) and, when the
 * record has a case, a `pii.revealed` entry in the history of its instance, in one transaction. Neither
 * holds the values. This module is the only writer of pii_reveals.
 */
import type { Knex } from 'knex';
import { PII_READER, User, assertMay } from '../auth/access';
import { appendJournal, currentRevision } from '../db/journal';

export { PII_READER };

/** Who resolves the evaluator's phone when a notification is delivered. */
export const DISPATCHER_ACTOR = 'system:notification-dispatcher';

export function assertMayReveal(user: User, countyId?: string): void {
  assertMay(user, 'pii.reveal', countyId);
}

export interface Reveal {
  countyId: string;
  /** The user, or a system actor such as DISPATCHER_ACTOR. */
  actor: string;
  evaluationId?: string | null;
  caseId?: string | null;
  taskId?: string | null;
  /** With an instance, the reveal is also written into its history. */
  instanceId?: string | null;
  fields: string[];
  at: Date;
}

export async function recordReveal(knex: Knex, r: Reveal): Promise<void> {
  if (!r.fields.length) return;
  await knex.transaction(async (trx) => {
    await trx('pii_reveals').insert({
      county_id: r.countyId,
      user_id: r.actor,
      evaluation_id: r.evaluationId ?? null,
      case_id: r.caseId ?? null,
      task_id: r.taskId ?? null,
      fields: JSON.stringify(r.fields),
      at: r.at,
    });
    if (r.instanceId) {
      await appendJournal(trx, [
        {
          instanceId: r.instanceId,
          countyId: r.countyId,
          revision: await currentRevision(trx, r.instanceId),
          type: 'pii.revealed',
          actor: r.actor,
          data: { evaluationId: r.evaluationId ?? null, caseId: r.caseId ?? null, ...(r.taskId ? { taskId: r.taskId } : {}), fields: r.fields },
          at: r.at,
        },
      ]);
    }
  });
}

/** The audit of reveals of a county, newest first. */
export async function listReveals(knex: Knex, countyId: string, page: { limit: number; offset: number }) {
  return knex('pii_reveals').where({ county_id: countyId }).orderBy('id', 'desc').limit(page.limit).offset(page.offset);
}
