import type { Knex } from 'knex';

/**
 * External tasks (a service task with camunda:type="external" waits for a worker, like a user task waits
 * for a person) and version migrations (running instances moved to a newer version of their diagram).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('external_tasks', (t) => {
    t.comment('Work for external workers (Camunda external tasks): one row per waiting execution of an external service task');
    t.uuid('id').primary().comment('External task id');
    t.uuid('instance_id').notNullable().references('process_instances.id').comment('Instance');
    t.string('county_id', 64).notNullable().comment('Owning county (denormalised for access checks; the tenant id of Camunda clients)');
    t.string('execution_id', 200).notNullable().unique('external_tasks_execution_uq').comment('bpmn-engine executionId of the waiting service task');
    t.string('element_id', 200).notNullable().comment('Service task element id (activityId)');
    t.string('topic', 200).notNullable().comment('camunda:topic a worker subscribes to');
    t.integer('priority').notNullable().defaultTo(0).comment('camunda:taskPriority; higher is fetched first');
    t.string('status', 16).notNullable().comment('open | completed | cancelled');
    t.string('worker_id', 200).comment('Worker holding the lock');
    t.timestamp('lock_expires_at', { useTz: true }).comment('End of the lock, on the application clock (simulated time with CLOCK_CONTROL)');
    t.integer('retries').comment('Retries left as the worker reported them; null until the first failure; 0 is an incident');
    t.text('error_message').comment('Error message of the last failure reported by a worker');
    t.text('error_details').comment('Error details (e.g. a stack trace) of the last failure reported by a worker');
    t.text('incident').comment('Why the task is an incident (retries reached 0); cleared when retries are set again');
    t.timestamp('incident_at', { useTz: true }).comment('Clock time the incident was raised');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('Clock time the service task began to wait');
    t.timestamp('completed_at', { useTz: true }).comment('Clock time completed or cancelled');
    t.string('completed_by', 200).comment('Worker id that completed it (or threw a BPMN error)');
    t.index(['status', 'topic'], 'external_tasks_status_topic_ix');
    t.index(['instance_id'], 'external_tasks_instance_ix');
  });

  await knex.schema.createTable('version_migrations', (t) => {
    t.comment('A request to move the running instances of a process to a newer version, with its plan; each instance moves in a step of its own');
    t.uuid('id').primary().comment('Migration id');
    t.string('county_id', 64).notNullable().references('counties.id').comment('County');
    t.string('process_key', 128).notNullable().comment('Process whose instances move');
    t.uuid('to_definition_id').notNullable().references('process_definitions.id').comment('Version the instances move to');
    t.jsonb('mapping').notNullable().defaultTo('{}').comment('Plan: old element id → new element id, for waiting elements renamed in the new version');
    t.boolean('keep_stranded').notNullable().defaultTo(false).comment('Instances that would be stranded stay on their version (else the deploy was refused)');
    t.string('status', 16).notNullable().comment('running | done | superseded (a later version of the same process took over)');
    t.integer('moved').notNullable().defaultTo(0).comment('Instances moved so far (each journaled instance.migrated with this id)');
    t.jsonb('left_behind').notNullable().defaultTo('[]').comment('Instances left on their version, kept by choice or not movable, with the reason [{instanceId, reason, kept}]');
    t.string('requested_by').notNullable().comment('User id that deployed or asked for the migration');
    t.timestamp('created_at', { useTz: true }).notNullable().comment('Clock time requested');
    t.timestamp('finished_at', { useTz: true }).comment('Clock time the last instance was handled');
    t.index(['status'], 'version_migrations_status_ix');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('version_migrations');
  await knex.schema.dropTableIfExists('external_tasks');
}
