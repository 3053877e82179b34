/**
 * Showing personal data in clear (?reveal=true). Only the role pii-reader may, and an administrator is
 * not one by default: seeing an evaluator is a duty of the callback staff, not of whoever runs the
 * server. Every reveal writes an audit row (who, when, which rating or case, which fields) and, when the
 * record has a case, a `pii.revealed` entry in the history of its instance. Neither holds the values.
 */
import type { Knex } from 'knex';
import type { User } from '../auth/auth.service';
import { ForbiddenError } from '../errors';

export const PII_READER = 'pii-reader';

export function assertMayReveal(user: User): void {
  if (!user.roles.includes(PII_READER)) throw new ForbiddenError(`Showing personal data in clear needs the role ${PII_READER}`);
}

export async function auditReveal(
  knex: Knex,
  r: { countyId: string; user: User; evaluationId?: string | null; caseId?: string | null; instanceId?: string | null; fields: string[]; at: Date },
): Promise<void> {
  if (!r.fields.length) return;
  await knex.transaction(async (trx) => {
    await trx('pii_reveals').insert({ county_id: r.countyId, user_id: r.user.id, evaluation_id: r.evaluationId ?? null, case_id: r.caseId ?? null, fields: JSON.stringify(r.fields), at: r.at });
    if (r.instanceId) {
      const inst = await trx('process_instances').where({ id: r.instanceId }).first('revision');
      await trx('journal').insert({
        instance_id: r.instanceId,
        county_id: r.countyId,
        revision: inst?.revision ?? 0,
        type: 'pii.revealed',
        actor: r.user.id,
        data: JSON.stringify({ evaluationId: r.evaluationId ?? null, caseId: r.caseId ?? null, fields: r.fields }),
        at: r.at,
      });
    }
  });
}
