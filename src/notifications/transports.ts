/**
 * Where outbox rows go. `log` writes a line (topic, recipients, id: never the body, which may hold a
 * citizen's name); `webhook` POSTs JSON signed with HMAC-SHA256 so the receiver can check it came from us.
 */
import { createHmac } from 'node:crypto';
import type { OutboxRow } from '../db/tables';

/** Contact details resolved at delivery for recipient tokens (e.g. the evaluator's phone); never stored. */
export interface Contacts {
  evaluator?: { phone: string | null };
}

export interface Transport {
  readonly name: string;
  deliver(row: OutboxRow, contacts?: Contacts): Promise<void>;
}

export class LogTransport implements Transport {
  readonly name = 'log';
  constructor(private readonly log: (line: string) => void) {}
  async deliver(row: OutboxRow, contacts?: Contacts): Promise<void> {
    const resolved = contacts?.evaluator ? ` (evaluator contact ${contacts.evaluator.phone ? 'resolved' : 'missing'})` : '';
    this.log(`notification ${row.id} [${row.county_id}] ${row.topic} → ${row.recipients.join(', ')} (${row.body.length} chars)${resolved}`);
  }
}

export const SIGNATURE_HEADER = 'x-hcp-signature';

/** sha256=<hex HMAC of "<timestamp>.<body>">, the receiver recomputes it with the shared secret. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookTransport implements Transport {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async deliver(row: OutboxRow, contacts?: Contacts): Promise<void> {
    const body = JSON.stringify({
      id: row.id,
      county: row.county_id,
      topic: row.topic,
      recipients: row.recipients,
      body: row.body,
      payload: row.payload,
      createdAt: row.created_at,
      ...(contacts ? { contacts } : {}),
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': row.id,
        'x-hcp-timestamp': timestamp,
        [SIGNATURE_HEADER]: sign(this.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }
}
