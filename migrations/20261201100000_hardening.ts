import type { Knex } from 'knex';

/**
 * Hardening: tokens that expire and users that can be disabled; incidents (a step aborted over its
 * budget, kept for an administrator to retry); the version of each process that new instances start
 * (a pointer an administrator may move back); personal data found in the free text of staff (task
 * input, comments) kept encrypted beside the masked text.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('token_expires_at', { useTz: true }).comment('Wall time after which the token is refused (TOKEN_TTL_DAYS after it was issued)');
    t.timestamp('token_issued_at', { useTz: true }).comment('Wall time the current token was issued (created or rotated)');
    t.timestamp('disabled_at', { useTz: true }).comment('When the user was disabled; a disabled user is refused whatever the token');
    t.string('disabled_by', 100).comment('Who disabled the user');
    t.string('created_by', 100).comment('Who created the user (an administrator, or startup)');
  });
  // Tokens issued before this migration get the default lifetime from the upgrade on.
  await knex.raw(`update users set token_issued_at = created_at, token_expires_at = now() + interval '90 days' where token_expires_at is null`);
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('token_expires_at', { useTz: true }).notNullable().alter();
  });

  await knex.schema.alterTable('process_instances', (t) => {
    t.timestamp('incident_at', { useTz: true }).comment('Clock time the last step was aborted (over its budget, or a deadline that cannot be computed); null when none');
    t.jsonb('incident_action').comment('The aborted step (start, complete, fire, message) and its actor: what a retry runs again');
  });
  await knex.raw(`create index process_instances_incident_ix on process_instances (county_id, incident_at) where incident_at is not null`);

  await knex.schema.alterTable('tasks', (t) => {
    t.text('output_enc').comment('Encrypted original of the completion input, only when phone or ID numbers (or a named person) were masked in output');
  });
  await knex.schema.alterTable('task_comments', (t) => {
    t.text('body_enc').comment('Encrypted original of the comment, only when phone or ID numbers were masked in body');
  });
  await knex.schema.alterTable('pii_reveals', (t) => {
    t.uuid('task_id').comment('Task whose completion input or comments were shown in clear');
  });

  await knex.schema.createTable('definition_activations', (t) => {
    t.comment('Which version of a process new instances start: every change of the pointer, newest last (a deploy, or an administrator making an earlier version current again)');
    t.bigIncrements('id').comment('Order of the changes');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('process_key', 128).notNullable().comment('Process id');
    t.uuid('definition_id').notNullable().references('process_definitions.id').comment('The version made current');
    t.integer('version').notNullable().comment('Its version number (denormalised for the record)');
    t.string('reason', 32).notNullable().comment('deployed | redeployed (the content of an earlier version sent again) | made-current');
    t.string('actor', 100).notNullable().comment('User id or startup');
    t.timestamp('at', { useTz: true }).notNullable().comment('Clock time');
    t.index(['county_id', 'process_key', 'id'], 'definition_activations_current_ix');
  });
  // Until now the latest version was the one started: that is where each pointer begins.
  await knex.raw(`
    insert into definition_activations (county_id, process_key, definition_id, version, reason, actor, at)
    select d.county_id, d.process_key, d.id, d.version, 'deployed', d.deployed_by, d.deployed_at
      from process_definitions d
     where d.version = (select max(x.version) from process_definitions x where x.county_id = d.county_id and x.process_key = d.process_key)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('definition_activations');
  await knex.schema.alterTable('pii_reveals', (t) => t.dropColumn('task_id'));
  await knex.schema.alterTable('task_comments', (t) => t.dropColumn('body_enc'));
  await knex.schema.alterTable('tasks', (t) => t.dropColumn('output_enc'));
  await knex.raw('drop index if exists process_instances_incident_ix');
  await knex.schema.alterTable('process_instances', (t) => {
    t.dropColumn('incident_action');
    t.dropColumn('incident_at');
  });
  await knex.schema.alterTable('users', (t) => {
    for (const c of ['created_by', 'disabled_by', 'disabled_at', 'token_issued_at', 'token_expires_at']) t.dropColumn(c);
  });
}
