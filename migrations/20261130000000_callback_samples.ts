import type { Knex } from 'knex';

/**
 * The callback sample (回访抽查) of rectified cases: a per-county, per-month counter and one row per draw,
 * so that the share drawn in a month never falls below the county's rate and a draw, once committed,
 * never changes (a retried step finds its row).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('callback_sample_months', (t) => {
    t.comment('Running count of callback draws per county and calendar month (Asia/Shanghai); the row is locked while a draw is made');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('month', 7).notNullable().comment('YYYY-MM of the draw, Asia/Shanghai');
    t.integer('drawn').notNullable().defaultTo(0).comment('Rectified cases that reached the draw this month');
    t.integer('sampled').notNullable().defaultTo(0).comment('Of them, drawn for the callback');
    t.primary(['county_id', 'month']);
  });
  await knex.schema.createTable('callback_samples', (t) => {
    t.comment('One row per callback draw (drawSample service): whether the case was drawn, and whether the monthly floor forced it');
    t.uuid('instance_id').notNullable().comment('Process instance that drew');
    t.string('execution_id', 200).notNullable().comment('Execution of the drawSample task: a retried step finds its draw here');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('business_key', 200).comment('Business key of the instance (the case id for cases from the intake)');
    t.string('month', 7).notNullable().comment('YYYY-MM of the draw, Asia/Shanghai');
    t.integer('seq').notNullable().comment('Position of this draw in its county-month');
    t.double('rate').notNullable().comment('callbackSampleRate of tenant.yaml when drawn');
    t.boolean('sampled').notNullable().comment('Drawn for the callback');
    t.boolean('forced').notNullable().comment('Drawn because the month would otherwise fall below the rate');
    t.timestamp('drawn_at', { useTz: true }).notNullable().comment('Clock time of the draw');
    t.primary(['instance_id', 'execution_id']);
    t.index(['county_id', 'month'], 'callback_samples_month_ix');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('callback_samples');
  await knex.schema.dropTableIfExists('callback_sample_months');
}
