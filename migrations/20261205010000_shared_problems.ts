import type { Knex } from 'knex';

/**
 * 双归零 (新华 第十条): a shared problem (共性问题) groups the bad-review cases that share a cause; it has
 * its own rectification (owner, deadline, measures) and closes only when each of its cases is closed
 * and its own rectification is done.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shared_problems', (t) => {
    t.comment('Shared problems (共性问题) with their own rectification; written by src/problems/shared-problems.service.ts');
    t.uuid('id').primary().comment('Problem id');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('title', 200).notNullable().comment('What the cases share, in words');
    t.jsonb('cause').notNullable().comment('The common cause: {serviceCode?, unitId?, option?, staffName?}');
    t.string('owner', 200).notNullable().comment('Who rectifies the shared problem (a unit or a person)');
    t.timestamp('deadline', { useTz: true }).notNullable().comment('限期整改: when its rectification is due');
    t.string('status', 16).notNullable().comment('open → rectified → closed');
    t.text('measures').comment('Rectification measures of the shared problem');
    t.timestamp('rectified_at', { useTz: true }).comment('When its rectification was reported done');
    t.string('rectified_by', 200).comment('Who reported it');
    t.timestamp('closed_at', { useTz: true }).comment('When closed (双归零: every case and the problem closed)');
    t.string('closed_by', 200).comment('Who closed it');
    t.string('created_by', 200).notNullable().comment('Who opened it');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('Clock time it was opened');
    t.index(['county_id', 'status'], 'shared_problems_county_ix');
  });
  await knex.schema.createTable('shared_problem_cases', (t) => {
    t.comment('The cases of a shared problem (a case belongs to one problem at most); written by src/problems/shared-problems.service.ts');
    t.uuid('problem_id').notNullable().comment('Shared problem');
    t.uuid('case_id').notNullable().unique().comment('Case');
    t.primary(['problem_id', 'case_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('shared_problem_cases');
  await knex.schema.dropTableIfExists('shared_problems');
}
