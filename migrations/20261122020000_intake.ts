import type { Knex } from 'knex';

/**
 * Intake: the 办件 register, the ratings, the bad-review cases (差评办件) and the audit of
 * personal-data reveals. Personal data (evaluator or complainant name, phone, ID number) is only ever
 * stored encrypted (*_enc, AES-256-GCM) beside a mask (*_mask); see src/intake/pii.ts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('service_cases', (t) => {
    t.comment('办件 register: every service case a hall or the online platform handled, the thing that gets rated');
    t.uuid('id').primary().comment('Row id');
    t.string('county_id', 64).notNullable().comment('Owning county (no foreign key: every insert would lock the one county row)');
    t.string('case_no', 64).notNullable().comment('办件编号, unique per county');
    t.string('service_code', 64).notNullable().comment('事项编码');
    t.string('service_name', 200).notNullable().comment('事项名称');
    t.string('unit_id', 64).notNullable().comment('Unit (部门) that handled it, an id of tenant.yaml units');
    t.string('unit_name', 200).notNullable().comment('Unit name at registration');
    t.string('window_name', 100).comment('Window (窗口) that handled it');
    t.string('staff_id', 64).comment('Staff member evaluated (被评价人): staff number');
    t.string('staff_name', 100).comment('Staff member evaluated (被评价人): name');
    t.string('mode', 8).notNullable().comment('online | on-site');
    t.timestamp('accepted_at', { useTz: true }).notNullable().comment('受理时间');
    t.timestamp('completed_at', { useTz: true }).comment('办结时间; empty while in progress');
    t.timestamp('default_at', { useTz: true }).comment('When the 7-day default rating lands: 00:00 Asia/Shanghai of the 8th day after the day of completion');
    t.boolean('default_pending').notNullable().defaultTo(false).comment('True until the default job has looked at this row after default_at (rated or defaulted)');
    t.string('registered_by', 100).notNullable().comment('User who registered it');
    t.timestamp('registered_at', { useTz: true }).notNullable().comment('Clock time registered');
    t.timestamp('updated_at', { useTz: true }).notNullable().comment('Clock time of the last change (an empty field filled in)');
    t.unique(['county_id', 'case_no'], { indexName: 'service_cases_case_no_uq' });
    t.index(['county_id', 'completed_at'], 'service_cases_completed_ix');
  });
  await knex.raw('create index service_cases_default_due_ix on service_cases (default_at) where default_pending');

  await knex.schema.createTable('evaluations', (t) => {
    t.comment('Ratings (好差评) of a 办件: by an evaluator through a channel, or the 7-day system default');
    t.uuid('id').primary().comment('Rating id');
    t.string('county_id', 64).notNullable().comment('Owning county, that of its 办件 (no foreign key: every insert would lock the one county row)');
    t.uuid('service_case_id').notNullable().comment('The 办件 rated (no foreign key: the insert takes it from the register in the same statement, and 办件 are never deleted; a key check per rating costs more than the insert)');
    t.string('case_no', 64).notNullable().comment('办件编号 (denormalised)');
    t.smallint('level').notNullable().comment('5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意');
    t.string('channel', 8).notNullable().comment('1 PC, 2 mobile, 3 QR code, 4 hall device, 5 other hall terminal, 6 SMS, 7 system default, 12345 hotline, paper');
    t.jsonb('options').notNullable().defaultTo('[]').comment('Checklist codes of 附件1 (attitude-1 … environment-5, other)');
    t.text('other_text').comment('Text of the option other, phone and ID numbers masked');
    t.text('comment').comment('Free text of the evaluator, phone and ID numbers masked');
    t.text('free_text_enc').comment('Encrypted original of comment and other_text, only when masking changed them');
    t.string('evaluator_kind', 16).comment('person | legal-entity');
    t.text('evaluator_enc').comment('Evaluator name, phone and ID number: one encrypted JSON array')
    t.string('evaluator_name_mask', 100).comment('Evaluator name, masked');
    t.string('evaluator_phone_mask', 32).comment('Evaluator phone, masked');
    t.string('evaluator_id_mask', 32).comment('Resident ID number or unified social credit code, masked');
    t.timestamp('rated_at', { useTz: true }).notNullable().comment('When the evaluator rated (default ratings: when the window closed)');
    t.timestamp('received_at', { useTz: true }).notNullable().comment('Clock time the rating reached this system');
    t.string('sender_id', 128).comment('Id the sender gave the rating; idempotency key per county (empty for defaults)');
    t.string('request_fingerprint', 64).comment('Keyed hash of the normalised rating: the same sender id with another rating is refused');
    t.boolean('is_default').notNullable().defaultTo(false).comment('True for the 7-day system default (基本满意, channel 7)');
    t.boolean('is_current').notNullable().defaultTo(true).comment('The rating in force for its 办件; false once superseded by a re-rating');
    t.uuid('superseded_by').comment('Rating that replaced this one');
    t.timestamp('superseded_at', { useTz: true }).comment('Clock time it was replaced');
    t.uuid('case_id').comment('Bad-review case (差评办件) created for it');
    t.string('created_by', 100).notNullable().comment('User (gateway) that sent it, or system');
    t.unique(['county_id', 'sender_id'], { indexName: 'evaluations_sender_uq' });
    t.index(['county_id', 'rated_at'], 'evaluations_county_rated_ix');
    t.index(['county_id', 'case_no'], 'evaluations_case_no_ix');
  });
  // One rating in force per 办件: the guarantee behind exactly-once defaults and the 409 of a second rating.
  await knex.raw('create unique index evaluations_current_uq on evaluations (service_case_id) where is_current');

  await knex.schema.createTable('cases', (t) => {
    t.comment('Bad-review cases (差评办件): one per bad rating (system-pushed) or per on-site complaint; each runs one process instance');
    t.uuid('id').primary().comment('Case id, also the business key of its process instance');
    t.string('county_id', 64).notNullable().references('counties.id').comment('Owning county');
    t.string('kind', 16).notNullable().comment('system-pushed | on-site');
    t.uuid('evaluation_id').references('evaluations.id').comment('The bad rating (system-pushed cases)');
    t.uuid('service_case_id').references('service_cases.id').comment('The 办件 concerned, when known');
    t.string('case_no', 64).comment('办件编号, when known');
    t.string('service_code', 64).comment('事项编码');
    t.string('service_name', 200).comment('事项名称');
    t.string('unit_id', 64).comment('Responsible unit (部门)');
    t.string('unit_name', 200).comment('Responsible unit name');
    t.string('window_name', 100).comment('Window concerned');
    t.string('staff_name', 100).comment('Staff member concerned');
    t.smallint('level').comment('Level of the rating (system-pushed), or as stated in a complaint');
    t.string('channel', 16).comment('Channel of the rating, or on-site for a complaint');
    t.jsonb('options').notNullable().defaultTo('[]').comment('Checklist codes of 附件1');
    t.text('other_text').comment('Text of the option other, masked');
    t.text('comment').comment('What the evaluator wrote or what the complainant reported, masked');
    t.text('free_text_enc').comment('Encrypted original of comment and other_text, only when masking changed them');
    t.string('complainant_kind', 16).comment('person | legal-entity (on-site complaints)');
    t.text('complainant_enc').comment('Complainant name, phone and ID number: one encrypted JSON array')
    t.string('complainant_name_mask', 100).comment('Complainant name, masked');
    t.string('complainant_phone_mask', 32).comment('Complainant phone, masked');
    t.string('complainant_id_mask', 32).comment('Complainant ID number, masked');
    t.timestamp('occurred_at', { useTz: true }).comment('When what is complained about happened');
    t.timestamp('received_at', { useTz: true }).notNullable().comment('Clock time the case was received; deadlines count from here');
    t.string('sender_id', 128).comment('Id the sender gave a complaint; idempotency key per county');
    t.string('request_fingerprint', 64).comment('Keyed hash of the normalised complaint');
    t.string('process_key', 128).notNullable().comment('Diagram started (tenant.yaml processes.systemPushed or processes.onSite)');
    t.uuid('instance_id').references('process_instances.id').comment('Process instance of the case');
    t.string('status', 16).notNullable().comment('received, verifying, rectifying, appealing, reporting, feedback, archived, revoked (set by the setStatus service)');
    t.timestamp('status_at', { useTz: true }).notNullable().comment('Clock time of the last status change');
    t.string('outcome', 16).comment('genuine | mistaken | malicious, from the process variables at the last status change');
    t.timestamp('revoked_at', { useTz: true }).comment('When the case was revoked (appeal upheld); revoked cases do not count as bad reviews');
    t.string('created_by', 100).notNullable().comment('User who sent the rating or registered the complaint');
    t.unique(['evaluation_id'], { indexName: 'cases_evaluation_uq' });
    t.unique(['county_id', 'sender_id'], { indexName: 'cases_sender_uq' });
    t.index(['county_id', 'status'], 'cases_county_status_ix');
    t.index(['county_id', 'received_at'], 'cases_county_received_ix');
    t.index(['instance_id'], 'cases_instance_ix');
  });

  await knex.schema.createTable('pii_reveals', (t) => {
    t.comment('Audit of every time a user was shown personal data in clear (reveal=true)');
    t.bigIncrements('id').comment('Audit row id');
    t.string('county_id', 64).notNullable().comment('County of the record');
    t.string('user_id', 100).notNullable().comment('Who saw it');
    t.uuid('evaluation_id').comment('Rating whose evaluator data was shown');
    t.uuid('case_id').comment('Case whose complainant or evaluator data was shown');
    t.jsonb('fields').notNullable().comment('Which fields were shown, e.g. name, phone, idNumber, comment');
    t.timestamp('at', { useTz: true }).notNullable().comment('Clock time');
    t.index(['county_id', 'at'], 'pii_reveals_county_ix');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['pii_reveals', 'cases', 'evaluations', 'service_cases']) await knex.schema.dropTableIfExists(table);
}
