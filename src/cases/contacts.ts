/**
 * Who "evaluator" is when a notification is delivered. Diagrams and the outbox only ever name the
 * recipient token `evaluator`; the phone number is decrypted here, at delivery, handed to the transport
 * (an SMS gateway behind the webhook), never stored in the outbox and never logged. Each lookup is
 * recorded as a reveal by the notification dispatcher.
 */
import type { Knex } from 'knex';
import type { OutboxRow } from '../db/tables';
import type { Contacts } from '../notifications/transports';
import type { PiiCipher } from '../privacy/cipher';
import { revealPerson } from '../privacy/personal';
import { DISPATCHER_ACTOR, recordReveal } from '../privacy/reveal';

export { DISPATCHER_ACTOR };

export function evaluatorContacts(knex: Knex, pii: PiiCipher, now: () => Date) {
  return async (row: OutboxRow): Promise<Contacts | undefined> => {
    if (!row.instance_id || !row.recipients.includes('evaluator')) return undefined;
    const kase = await knex('cases').where({ instance_id: row.instance_id }).first();
    if (!kase) return undefined;
    let person;
    let evaluationId: string | null = null;
    if (kase.evaluation_id) {
      const ev = await knex('evaluations').where({ id: kase.evaluation_id }).first();
      if (!ev) return undefined;
      person = revealPerson(pii, ev, 'evaluator');
      evaluationId = ev.id;
    } else {
      person = revealPerson(pii, kase, 'complainant');
    }
    const phone = person.person?.phone ?? null;
    if (phone) {
      await recordReveal(knex, { countyId: row.county_id, actor: DISPATCHER_ACTOR, evaluationId, caseId: kase.id, fields: [kase.evaluation_id ? 'evaluator.phone' : 'complainant.phone'], at: now() });
    }
    return { evaluator: { phone } };
  };
}
