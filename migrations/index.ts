import type { Knex } from 'knex';
import * as core from './20261122000000_core';
import * as calendars from './20261122010000_calendars';
import * as intake from './20261122020000_intake';
import * as callbackSamples from './20261130000000_callback_samples';
import * as externalTasks from './20261201000000_external_tasks_and_migrations';
import * as hardening from './20261201100000_hardening';
import * as auditJournal from './20261202000000_audit_journal';
import * as inboxIndexes from './20261202000100_inbox_indexes';
import * as documentsBulletins from './20261205000000_documents_bulletins';
import * as sharedProblems from './20261205010000_shared_problems';
import * as ratingDaily from './20261205020000_rating_daily';
import * as timerBatches from './20261206000000_timer_batches';

/** Every migration, in order. A new migration is a new file plus one line here. */
export const migrations: Record<string, { up(k: Knex): Promise<void>; down(k: Knex): Promise<void> }> = {
  '20261122000000_core': core,
  '20261122010000_calendars': calendars,
  '20261122020000_intake': intake,
  '20261130000000_callback_samples': callbackSamples,
  '20261201000000_external_tasks_and_migrations': externalTasks,
  '20261201100000_hardening': hardening,
  '20261202000000_audit_journal': auditJournal,
  '20261202000100_inbox_indexes': inboxIndexes,
  '20261205000000_documents_bulletins': documentsBulletins,
  '20261205010000_shared_problems': sharedProblems,
  '20261205020000_rating_daily': ratingDaily,
  '20261206000000_timer_batches': timerBatches,
};
