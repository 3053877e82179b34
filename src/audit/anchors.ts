/**
 * Daily anchors (the only writer of journal_anchors). Once a civil day (Asia/Shanghai) of the injected
 * clock has ended, each county gets one row: the SM3 hash over the heads of all its instance chains as of
 * the last journal row written so far. An anchor pins every row it covers: changing or deleting one, even
 * together with its chain head, no longer matches the anchor (src/audit/verify.ts). The hash can be copied
 * out (printed, sent to the 上级 supervisor) to pin the history outside this database too.
 */
import type { Knex } from 'knex';
import { addDays, shanghaiDate } from '../calendar/civil-date';
import type { Clock } from '../clock';
import { headsHash } from '../db/journal-hash';
import type { JournalAnchorRow } from '../db/tables';
import type { TenantRegistry } from '../tenants';
import { headsAsOf } from './verify';

export class AnchorJob {
  readonly name = 'audit-anchors';
  /** The last day anchored for every county by this process (saves the look-ups until the next day). */
  private done?: string;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly tenants: TenantRegistry,
  ) {}

  /** Anchors yesterday (Asia/Shanghai) of every county that has none yet; answers the anchors written. */
  async run(): Promise<JournalAnchorRow[]> {
    const day = addDays(shanghaiDate(this.clock.now()), -1);
    if (this.done === day) return [];
    const out: JournalAnchorRow[] = [];
    for (const t of this.tenants.list()) {
      const row = await this.anchor(t.id, day);
      if (row) out.push(row);
    }
    this.done = day;
    return out;
  }

  /** One county's anchor for a day, unless it exists. */
  async anchor(countyId: string, day: string): Promise<JournalAnchorRow | undefined> {
    return this.knex.transaction(async (trx) => {
      if (await trx('journal_anchors').where({ county_id: countyId, day }).first('id')) return undefined;
      const max = await trx('journal').where({ county_id: countyId }).max('id as id').first();
      const uptoId = Number(max?.id ?? 0);
      const heads = await headsAsOf(trx as unknown as Knex, countyId, uptoId);
      const row = {
        county_id: countyId,
        day,
        upto_id: uptoId,
        instances: heads.length,
        rows: heads.reduce((n, h) => n + Number(h.seq), 0),
        hash: headsHash(heads),
        at: this.clock.now(),
      };
      const [written] = await trx('journal_anchors').insert(row).onConflict(['county_id', 'day']).ignore().returning('*');
      return written;
    });
  }

  async list(countyId: string): Promise<JournalAnchorRow[]> {
    return this.knex('journal_anchors').where({ county_id: countyId }).orderBy('id');
  }
}
