import type { Knex } from 'knex';
import { rowHash } from '../src/db/journal-hash';

/**
 * A tamper-evident journal for auditors: every row numbered within its instance (seq) and chained to the
 * previous row of its instance by an SM3 hash (src/db/journal-hash.ts); the head of each chain; a daily
 * anchor per county over the heads; and triggers that refuse to change or delete a journal or anchor row.
 * Logs are kept at least six months (网络安全法 第二十一条) and case files as archives: nothing here is
 * ever deleted by the application, and the database refuses it to anyone who tries.
 */
const REFUSE = `
create or replace function journal_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'the % table is append-only: % refused (tamper-evident audit log, 网络安全法 第二十一条)', tg_table_name, tg_op
    using errcode = 'insufficient_privilege';
end $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('journal', (t) => {
    t.integer('seq').comment('Number of the row within its instance, from 1 (a gap is a deleted row)');
    t.string('prev_hash', 64).comment('hash of the row seq − 1 of the same instance; null for the first');
    t.string('hash', 64).comment('SM3 over instance, county, seq, revision, type, element, actor, data, at and prev_hash (src/db/journal-hash.ts)');
  });

  // Rows written before this migration get their chain now, in the order they were written.
  let after: { instance: string; id: number } | undefined;
  let chain: { instance: string; seq: number; hash: string | null } = { instance: '', seq: 0, hash: null };
  const heads = new Map<string, { county: string; seq: number; hash: string; at: Date }>();
  for (;;) {
    const q = knex('journal').select('*').orderBy([{ column: 'instance_id' }, { column: 'id' }]).limit(2000);
    if (after) q.whereRaw('(instance_id, id) > (?, ?)', [after.instance, after.id]);
    const rows = await q;
    if (!rows.length) break;
    const updates: Array<{ id: number; seq: number; prev: string | null; hash: string }> = [];
    for (const r of rows) {
      if (r.instance_id !== chain.instance) chain = { instance: r.instance_id, seq: 0, hash: null };
      const seq = chain.seq + 1;
      const hash = rowHash({ ...r, seq, prev_hash: chain.hash });
      updates.push({ id: Number(r.id), seq, prev: chain.hash, hash });
      chain = { instance: r.instance_id, seq, hash };
      heads.set(r.instance_id, { county: r.county_id, seq, hash, at: r.at });
    }
    for (const u of updates) await knex('journal').where({ id: u.id }).update({ seq: u.seq, prev_hash: u.prev, hash: u.hash });
    const last = rows[rows.length - 1];
    after = { instance: last.instance_id, id: Number(last.id) };
  }

  await knex.schema.alterTable('journal', (t) => {
    t.integer('seq').notNullable().alter();
    t.string('hash', 64).notNullable().alter();
    t.unique(['instance_id', 'seq'], { indexName: 'journal_instance_seq_uq' });
  });

  await knex.schema.createTable('journal_heads', (t) => {
    t.comment('The last row of each instance chain (read FOR UPDATE by the journal writer so that rows chain one after the other)');
    t.uuid('instance_id').primary().comment('Instance');
    t.string('county_id', 64).notNullable().comment('County');
    t.integer('seq').notNullable().comment('seq of the last row');
    t.string('hash', 64).notNullable().comment('hash of the last row');
    t.timestamp('updated_at', { useTz: true }).notNullable().comment('Clock time of the last row');
    t.index(['county_id'], 'journal_heads_county_ix');
  });
  const list = [...heads.entries()].map(([id, h]) => ({ instance_id: id, county_id: h.county, seq: h.seq, hash: h.hash, updated_at: h.at }));
  for (let i = 0; i < list.length; i += 500) await knex('journal_heads').insert(list.slice(i, i + 500));

  await knex.schema.createTable('journal_anchors', (t) => {
    t.comment('Daily anchor of each county: one hash over the heads of all its instance chains as of a journal row id; never changed');
    t.bigIncrements('id').comment('Order of the anchors');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('day', 10).notNullable().comment('Civil date (Asia/Shanghai) the anchor closes, YYYY-MM-DD');
    t.bigInteger('upto_id').notNullable().comment('The last journal id the anchor covers (rows of the county with id ≤ upto_id)');
    t.integer('instances').notNullable().comment('Instance chains covered');
    t.bigInteger('rows').notNullable().comment('Journal rows covered');
    t.string('hash', 64).notNullable().comment('SM3 over the sorted lines instance:seq:hash of the chain heads (src/db/journal-hash.ts headsHash)');
    t.timestamp('at', { useTz: true }).notNullable().comment('Clock time of anchoring');
    t.unique(['county_id', 'day'], { indexName: 'journal_anchors_day_uq' });
  });

  await knex.raw(REFUSE);
  for (const table of ['journal', 'journal_anchors']) {
    await knex.raw(`create trigger ${table}_append_only before update or delete on ${table} for each row execute function journal_refuse_change()`);
    await knex.raw(`create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function journal_refuse_change()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['journal', 'journal_anchors']) {
    await knex.raw(`drop trigger if exists ${table}_append_only on ${table}`);
    await knex.raw(`drop trigger if exists ${table}_no_truncate on ${table}`);
  }
  await knex.raw('drop function if exists journal_refuse_change()');
  await knex.schema.dropTableIfExists('journal_anchors');
  await knex.schema.dropTableIfExists('journal_heads');
  await knex.schema.alterTable('journal', (t) => {
    t.dropUnique(['instance_id', 'seq'], 'journal_instance_seq_uq');
    t.dropColumn('seq');
    t.dropColumn('prev_hash');
    t.dropColumn('hash');
  });
}
