import type { Knex } from 'knex';

/**
 * Core tables of the durable BPMN host: deployments, instances, the task inbox, timers, the journal,
 * the outbox, access tokens and settings. Every table and column carries a comment.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('counties', (t) => {
    t.comment('Jurisdictions (tenants), one per processes/<county>/ folder');
    t.string('id', 64).primary().comment('Folder name, e.g. liudong');
    t.string('name').notNullable().comment('Official name, e.g. 柳州市柳东新区政务服务中心');
    t.string('region').notNullable().comment('Province-level region, e.g. 广西');
    t.jsonb('settings').notNullable().defaultTo('{}').comment('tenant.yaml as loaded (calendar scopes, office hours, units, deadlines)');
    t.timestamp('updated_at', { useTz: true }).notNullable().comment('When tenant.yaml was last loaded');
  });

  await knex.schema.createTable('process_definitions', (t) => {
    t.comment('Deployed versions of a BPMN diagrams of a county; rows are never changed once written');
    t.uuid('id').primary().comment('Deployment id');
    t.string('county_id', 64).notNullable().references('counties.id').comment('Owning county');
    t.string('process_key', 128).notNullable().comment('Id of the executable bpmn:process');
    t.integer('version').notNullable().comment('1, 2, … per (county, process_key)');
    t.string('name').comment('Name of the process element');
    t.string('file_name').comment('File the diagram came from (processes/<county>/<file>) or the upload name');
    t.string('checksum', 64).notNullable().comment('sha256 of the XML; an unchanged file is not deployed again');
    t.text('source').notNullable().comment('BPMN XML as deployed');
    t.text('serialized_context').notNullable().comment('moddle-context-serializer output: parsed once, recovered on every step');
    t.jsonb('elements').notNullable().comment('Per-element facts the host needs (user task attributes, service names, deadline expressions)');
    t.string('deployed_by').notNullable().comment('User id or "startup"');
    t.timestamp('deployed_at', { useTz: true }).notNullable().comment('When deployed');
    t.unique(['county_id', 'process_key', 'version'], { indexName: 'process_definitions_version_uq' });
    t.unique(['county_id', 'process_key', 'checksum'], { indexName: 'process_definitions_checksum_uq' });
  });

  await knex.schema.createTable('process_instances', (t) => {
    t.comment('One row per running or finished instance; state is the engine state between steps');
    t.uuid('id').primary().comment('Instance id');
    t.string('county_id', 64).notNullable().references('counties.id').comment('Owning county');
    t.uuid('definition_id').notNullable().references('process_definitions.id').comment('Version the instance started on and stays on');
    t.string('process_key', 128).notNullable().comment('Denormalised from the definition for queries');
    t.string('business_key', 200).comment('Key given by the caller, e.g. the case number; unique per county and process');
    t.string('status', 16).notNullable().comment('running | completed | failed | terminated');
    t.integer('revision').notNullable().defaultTo(0).comment('Incremented by every committed step (optimistic check and cache key)');
    t.jsonb('state').comment('bpmn-engine getState() with the diagram source stripped; null once completed');
    t.jsonb('variables').notNullable().defaultTo('{}').comment('Process variables after the last step, for queries and forms');
    t.text('incident').comment('Why the instance failed (status failed)');
    t.string('started_by').notNullable().comment('User id or system');
    t.timestamp('started_at', { useTz: true }).notNullable().comment('Clock time at start');
    t.timestamp('updated_at', { useTz: true }).notNullable().comment('Clock time of the last step');
    t.timestamp('ended_at', { useTz: true }).comment('Clock time the instance completed, failed or was terminated');
    t.unique(['county_id', 'process_key', 'business_key'], { indexName: 'process_instances_business_key_uq' });
    t.index(['county_id', 'status'], 'process_instances_county_status_ix');
  });

  await knex.schema.createTable('tasks', (t) => {
    t.comment('User-task inbox, filled from the wait events of the engine, one row per execution');
    t.uuid('id').primary().comment('Task id');
    t.uuid('instance_id').notNullable().references('process_instances.id').comment('Instance');
    t.string('county_id', 64).notNullable().comment('Owning county (denormalised for access checks)');
    t.string('execution_id', 200).notNullable().comment('bpmn-engine executionId of the waiting activity');
    t.string('element_id', 200).notNullable().comment('Id of the userTask element');
    t.string('name').comment('Task name');
    t.jsonb('candidate_groups').notNullable().defaultTo('[]').comment('camunda:candidateGroups, resolved');
    t.jsonb('candidate_users').notNullable().defaultTo('[]').comment('camunda:candidateUsers, resolved');
    t.string('assignee').comment('camunda:assignee resolved, or the user who claimed it');
    t.string('form_key').comment('camunda:formKey');
    t.timestamp('due_at', { useTz: true }).comment('Deadline instant (camunda:dueDate), computed when the task was entered');
    t.string('due_expression').comment('The deadline expression the due date came from');
    t.boolean('due_provisional').notNullable().defaultTo(false).comment('Due date computed without the calendar of its year');
    t.string('status', 16).notNullable().comment('open | completed | cancelled');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('Clock time the task was entered');
    t.timestamp('claimed_at', { useTz: true }).comment('When the assignee claimed it');
    t.timestamp('completed_at', { useTz: true }).comment('When completed or cancelled');
    t.string('completed_by').comment('User who completed it');
    t.jsonb('output').comment('Variables the task was completed with');
    t.unique(['execution_id'], { indexName: 'tasks_execution_uq' });
    t.index(['county_id', 'status'], 'tasks_county_status_ix');
    t.index(['instance_id'], 'tasks_instance_ix');
  });

  await knex.schema.createTable('task_comments', (t) => {
    t.comment('Comments staff leave on a task');
    t.bigIncrements('id').comment('Comment id');
    t.uuid('task_id').notNullable().references('tasks.id').comment('Task');
    t.string('author').notNullable().comment('User id');
    t.text('body').notNullable().comment('Text');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('Clock time');
    t.index(['task_id'], 'task_comments_task_ix');
  });

  await knex.schema.createTable('timers', (t) => {
    t.comment('Every timer an instance waits on, with its due instant; the scheduler fires them');
    t.uuid('id').primary().comment('Timer id');
    t.uuid('instance_id').notNullable().references('process_instances.id').comment('Instance');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('execution_id', 200).notNullable().comment('executionId of the timer event definition');
    t.string('element_id', 200).notNullable().comment('Timer event element id');
    t.string('expression').comment('The timer expression as written in the diagram');
    t.timestamp('due_at', { useTz: true }).notNullable().comment('When it fires');
    t.boolean('provisional').notNullable().defaultTo(false).comment('Computed without the calendar of its year');
    t.string('locked_by').comment('Scheduler node that claimed it');
    t.timestamp('locked_until', { useTz: true }).comment('Lease end (wall time) of the claim');
    t.integer('attempts').notNullable().defaultTo(0).comment('Failed firing attempts');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('Clock time created');
    t.unique(['instance_id', 'execution_id'], { indexName: 'timers_instance_execution_uq' });
    t.index(['due_at'], 'timers_due_ix');
  });

  await knex.schema.createTable('journal', (t) => {
    t.comment('Append-only history of every step of every instance (what auditors replay)');
    t.bigIncrements('id').comment('Global order');
    t.uuid('instance_id').notNullable().comment('Instance');
    t.string('county_id', 64).notNullable().comment('County');
    t.integer('revision').notNullable().comment('Instance revision of the step that wrote it');
    t.string('type', 48).notNullable().comment('instance.started, activity.enter, activity.wait, activity.end, flow.take, timer.scheduled, timer.fired, task.claimed, task.completed, service.called …');
    t.string('element_id', 200).comment('Element concerned');
    t.string('element_type', 64).comment('bpmn type of the element');
    t.string('actor').comment('User who caused it, or system / scheduler');
    t.jsonb('data').comment('Details (input, due dates, error)');
    t.timestamp('at', { useTz: true }).notNullable().comment('Clock time');
    t.index(['instance_id', 'id'], 'journal_instance_ix');
  });

  await knex.schema.createTable('outbox', (t) => {
    t.comment('Notifications written in the transaction of a step and delivered afterwards, at least once');
    t.uuid('id').primary().comment('Outbox id, also sent as the idempotency key');
    t.string('idempotency_key', 300).notNullable().comment('instance:execution:service; a re-run service adds no second row');
    t.uuid('instance_id').comment('Instance that produced it');
    t.string('county_id', 64).notNullable().comment('County');
    t.string('topic', 100).notNullable().comment('What it tells, e.g. unit-handover');
    t.jsonb('recipients').notNullable().defaultTo('[]').comment('Groups, users or evaluator tokens it goes to');
    t.text('body').notNullable().comment('Rendered text (handlebars)');
    t.jsonb('payload').notNullable().defaultTo('{}').comment('Structured data sent along');
    t.string('status', 16).notNullable().comment('pending | delivered | dead');
    t.integer('attempts').notNullable().defaultTo(0).comment('Delivery attempts so far');
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().comment('Wall time of the next attempt');
    t.string('locked_by').comment('Dispatcher node holding it');
    t.timestamp('locked_until', { useTz: true }).comment('Lease end (wall time)');
    t.text('last_error').comment('Last delivery failure');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('Clock time written');
    t.timestamp('delivered_at', { useTz: true }).comment('Wall time delivered');
    t.unique(['idempotency_key'], { indexName: 'outbox_idempotency_uq' });
    t.index(['status', 'next_attempt_at'], 'outbox_due_ix');
  });

  await knex.schema.createTable('users', (t) => {
    t.comment('API users: a bearer token maps to one user with roles, counties and units');
    t.string('id', 100).primary().comment('User id');
    t.string('name').notNullable().comment('Display name');
    t.string('token_hash', 64).notNullable().comment('sha256 of the bearer token; the token itself is never stored');
    t.jsonb('roles').notNullable().defaultTo('[]').comment('admin, process-admin, staff, auditor; and candidate groups');
    t.jsonb('counties').notNullable().defaultTo('[]').comment('Counties the user may see; ["*"] for all');
    t.jsonb('units').notNullable().defaultTo('[]').comment('Units (部门) the user belongs to');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('When created');
    t.unique(['token_hash'], { indexName: 'users_token_uq' });
  });

  await knex.schema.createTable('settings', (t) => {
    t.comment('Small key/value settings of the installation (e.g. the simulated clock)');
    t.string('key', 100).primary().comment('Setting name');
    t.jsonb('value').notNullable().comment('Value');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['settings', 'users', 'outbox', 'journal', 'timers', 'task_comments', 'tasks', 'process_instances', 'process_definitions', 'counties']) {
    await knex.schema.dropTableIfExists(table);
  }
}
