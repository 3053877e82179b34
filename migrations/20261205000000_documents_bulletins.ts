import type { Knex } from 'knex';

/**
 * The paper of the seeds: documents archived with a case as they were sent (差评办件文书), and the
 * numbered editions of the bulletins (通报) with the cases each one lists.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('case_documents', (t) => {
    t.comment('Rendered PDFs archived with a case when a step sent them onward (e.g. the report to 效能督查科); written by src/documents/archive.ts');
    t.bigIncrements('id').comment('Sequence');
    t.string('county_id', 64).notNullable().comment('County');
    t.uuid('case_id').notNullable().comment('Case (cases.id)');
    t.string('kind', 64).notNullable().comment('Document kind (src/documents/kinds.ts)');
    t.string('sha256', 64).notNullable().comment('SHA-256 of pdf, hex; also written into the history (journal) of the instance');
    t.binary('pdf').notNullable().comment('The PDF exactly as sent (masked: personal data is never archived in clear)');
    t.uuid('task_id').comment('The task whose completion sent it');
    t.string('archived_by', 200).notNullable().comment('Who completed that task');
    t.timestamp('archived_at', { useTz: true }).notNullable().comment('Clock time of the archive');
    t.index(['case_id'], 'case_documents_case_ix');
    t.unique(['task_id', 'kind'], { indexName: 'case_documents_task_kind_uq' });
  });
  await knex.schema.createTable('bulletins', (t) => {
    t.comment('Numbered editions (期号) of a county bulletin (通报) over one period; written by src/bulletins/bulletins.service.ts');
    t.uuid('id').primary().comment('Edition id');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('period_kind', 16).notNullable().comment('monthly | half-year | yearly | quarterly');
    t.string('period', 16).notNullable().comment('2026-10, 2026-H2, 2026, 2026-Q4');
    t.integer('edition_no').notNullable().comment('期号: 1, 2, … per county and year of generation');
    t.integer('edition_year').notNullable().comment('Year of the 期号 sequence');
    t.timestamp('period_from', { useTz: true }).notNullable().comment('Start of the period (inclusive), Asia/Shanghai midnight');
    t.timestamp('period_to', { useTz: true }).notNullable().comment('End of the period (exclusive)');
    t.timestamp('due_at', { useTz: true }).notNullable().comment('When it must be out (次月10日, 7月10日 / 1月10日)');
    t.string('status', 16).notNullable().comment('draft → approved → published');
    t.jsonb('figures').notNullable().comment('The computed figures: totals, per unit and channel, rankings, cases');
    t.timestamp('generated_at', { useTz: true }).notNullable().comment('Clock time of generation');
    t.string('approved_by', 200).comment('Who approved');
    t.timestamp('approved_at', { useTz: true }).comment('When approved');
    t.string('published_by', 200).comment('Who published');
    t.timestamp('published_at', { useTz: true }).comment('When published');
    t.unique(['county_id', 'period_kind', 'period'], { indexName: 'bulletins_period_uq' });
    t.unique(['county_id', 'edition_year', 'edition_no'], { indexName: 'bulletins_edition_uq' });
  });
  await knex.schema.createTable('bulletin_cases', (t) => {
    t.comment('The cases a bulletin edition lists (a case links to the edition it appears in); written by src/bulletins/bulletins.service.ts');
    t.uuid('bulletin_id').notNullable().comment('Edition');
    t.uuid('case_id').notNullable().comment('Case');
    t.primary(['bulletin_id', 'case_id']);
    t.index(['case_id'], 'bulletin_cases_case_ix');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('bulletin_cases');
  await knex.schema.dropTableIfExists('bulletins');
  await knex.schema.dropTableIfExists('case_documents');
}
