/**
 * One row type per table of migrations/, and the module that writes it (each table has exactly one;
 * everything else reads, or calls that module). Timestamps come back as Date from both drivers; jsonb
 * columns come back parsed.
 */

/** counties — written by src/tenants.ts (tenant.yaml synchronised at boot). */
export interface CountyRow { id: string; name: string; region: string; settings: Record<string, unknown>; updated_at: Date }

/** process_definitions — written by src/engine/definition-store.ts. */
export interface DefinitionRow {
  id: string; county_id: string; process_key: string; version: number; name: string | null; file_name: string | null;
  checksum: string; source: string; serialized_context: string; elements: DefinitionElements; deployed_by: string; deployed_at: Date;
}

/** What the host keeps of each element at deploy time. */
export interface DefinitionElements {
  userTasks: Record<string, { name?: string; candidateGroups?: string; candidateUsers?: string; assignee?: string; formKey?: string; dueDate?: string }>;
  serviceTasks: Record<string, { service: string; properties: Record<string, string> }>;
  timers: Record<string, { type: 'timeDuration' | 'timeDate' | 'timeCycle'; expression: string }>;
  /**
   * Service tasks with camunda:type="external": the topic workers fetch, the priority, and the error codes
   * the error boundary events attached to it catch ('*' when one catches every error).
   */
  externalTasks?: Record<string, { topic: string; priority: number; name?: string; catches: string[] | '*' }>;
  /** JSON schemas of the forms the user tasks use, frozen with the version. */
  forms?: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
}

export type InstanceStatus = 'running' | 'completed' | 'failed' | 'terminated';

/** process_instances — written by src/engine/instances.ts. */
export interface InstanceRow {
  id: string; county_id: string; definition_id: string; process_key: string; business_key: string | null; status: InstanceStatus;
  revision: number; state: EngineState | null; variables: Record<string, unknown>; incident: string | null; started_by: string;
  started_at: Date; updated_at: Date; ended_at: Date | null;
  /** Set while the instance waits for an administrator: its last step was aborted (see src/engine/runner.ts). */
  incident_at?: Date | null; incident_action?: IncidentAction | null;
}

/** The step an incident aborted, kept so that a retry runs it again. */
export interface IncidentAction {
  kind: 'start' | 'complete' | 'fire' | 'message' | 'external' | 'migrate';
  actor: string;
  taskId?: string; executionId?: string; elementId?: string; input?: Record<string, unknown>; sealedInput?: string | null;
  timerId?: string; payload?: Record<string, unknown>;
  /** An external-task or migration step, whole (it is run again as it was). */
  step?: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EngineState = any;

export type TaskStatus = 'open' | 'completed' | 'cancelled';

/** tasks — written by src/engine/tasks.ts. */
export interface TaskRow {
  id: string; instance_id: string; county_id: string; execution_id: string; element_id: string; name: string | null;
  candidate_groups: string[]; candidate_users: string[]; assignee: string | null; form_key: string | null; due_at: Date | null;
  due_expression: string | null; due_provisional: boolean; status: TaskStatus; created_at: Date; claimed_at: Date | null;
  completed_at: Date | null; completed_by: string | null; output: Record<string, unknown> | null;
  /** Encrypted original of output when personal data was masked in it. */
  output_enc?: string | null;
}

/** task_comments — written by src/workflow/tasks.service.ts. */
export interface TaskCommentRow { id: number | string; task_id: string; author: string; body: string; body_enc: string | null; created_at: Date }

/** timers — written by src/engine/timers.ts. */
export interface TimerRow {
  id: string; instance_id: string; county_id: string; execution_id: string; element_id: string; expression: string | null;
  due_at: Date; provisional: boolean; locked_by: string | null; locked_until: Date | null; attempts: number; created_at: Date;
  /** Fired in a batch without its engine (src/engine/timer-batch.ts); the engine catches up at the next step. */
  fired_at?: Date | null;
}

export type ExternalTaskStatus = 'open' | 'completed' | 'cancelled';

/** external_tasks — written by src/engine/external-tasks.ts. */
export interface ExternalTaskRow {
  id: string; instance_id: string; county_id: string; execution_id: string; element_id: string; topic: string; priority: number;
  status: ExternalTaskStatus; worker_id: string | null; lock_expires_at: Date | null; retries: number | null; error_message: string | null;
  error_details: string | null; incident: string | null; incident_at: Date | null; created_at: Date; completed_at: Date | null; completed_by: string | null;
}

/** version_migrations — written by src/workflow/migrations.service.ts. */
export interface VersionMigrationRow {
  id: string; county_id: string; process_key: string; to_definition_id: string; mapping: Record<string, string>; keep_stranded: boolean;
  status: 'running' | 'done' | 'superseded'; moved: number; left_behind: Array<{ instanceId: string; reason: string; kept: boolean }>;
  requested_by: string; created_at: Date; finished_at: Date | null;
}

/** journal — written by src/db/journal.ts only, always in the transaction of the change it records. */
export interface JournalRow {
  id: number | string; instance_id: string; county_id: string; revision: number; type: string; element_id: string | null;
  element_type: string | null; actor: string | null; data: Record<string, unknown> | null; at: Date;
  /** Number of the row within its instance (1, 2, …), its SM3 hash and the previous row's (src/db/journal-hash.ts). */
  seq: number; prev_hash: string | null; hash: string;
}

/** journal_heads (the last row of each instance chain) — written by src/db/journal.ts. */
export interface JournalHeadRow { instance_id: string; county_id: string; seq: number; hash: string; updated_at: Date }

/** journal_anchors (a county's daily hash over its chain heads) — written by src/audit/anchors.ts. */
export interface JournalAnchorRow { id: number | string; county_id: string; day: string; upto_id: number | string; instances: number; rows: number | string; hash: string; at: Date }

/** outbox — written by src/engine/outbox.ts. */
export interface OutboxRow {
  id: string; idempotency_key: string; instance_id: string | null; county_id: string; topic: string; recipients: string[];
  body: string; payload: Record<string, unknown>; status: 'pending' | 'delivered' | 'dead'; attempts: number;
  next_attempt_at: Date; locked_by: string | null; locked_until: Date | null; last_error: string | null; created_at: Date;
  delivered_at: Date | null;
}

/** users — written by src/auth/users.ts. */
export interface UserRow {
  id: string; name: string; token_hash: string; roles: string[]; counties: string[]; units: string[]; created_at: Date;
  token_issued_at: Date | null; token_expires_at: Date; disabled_at: Date | null; disabled_by: string | null; created_by: string | null;
}

/** settings — written by src/db/settings.ts. */
export interface SettingRow { key: string; value: Record<string, unknown> }

/** calendar_years — written by src/calendar/calendar-store.ts. */
export interface CalendarYearRow {
  id: number | string; scope: string; year: number; version: number; holidays: Array<{ date: string; name?: string }>;
  workdays: Array<{ date: string; name?: string }>; source: string; level: 'official' | 'press' | 'secondary'; note: string | null;
  origin: 'bundled' | 'api'; checksum: string; loaded_by: string; loaded_at: Date; recomputed_deadlines: number;
}

/** calendar_revision (one row) — written by src/calendar/calendar-store.ts. */
export interface CalendarRevisionRow { id: 1; revision: number; updated_at: Date }

/**
 * service_cases (办件 register) — written by src/intake/service-cases.service.ts; the 7-day default
 * (src/intake/default-ratings.ts) clears default_pending in the one statement that inserts the default rating.
 */
export interface ServiceCaseRow {
  id: string; county_id: string; case_no: string; service_code: string | null; service_name: string | null; unit_id: string | null;
  unit_name: string | null; window_name: string | null; staff_id: string | null; staff_name: string | null; mode: string | null;
  accepted_at: Date | null; completed_at: Date | null; default_at: Date | null; default_pending: boolean; registered_by: string;
  registered_at: Date; updated_at: Date;
}

/** evaluations (ratings) — written by src/intake/evaluations.service.ts, and by the 7-day default statement of src/intake/default-ratings.ts. */
export interface EvaluationRow {
  id: string; county_id: string; service_case_id: string; case_no: string; level: number; channel: string; options: string[];
  other_text: string | null; comment: string | null; free_text_enc: string | null; evaluator_kind: string | null; evaluator_enc: string | null;
  evaluator_name_mask: string | null; evaluator_phone_mask: string | null; evaluator_id_mask: string | null; rated_at: Date;
  received_at: Date; sender_id: string | null; request_fingerprint: string | null; is_default: boolean; is_current: boolean;
  superseded_by: string | null; superseded_at: Date | null; case_id: string | null; created_by: string;
}

/** cases (差评办件) — written by src/cases/case-rows.ts. */
export interface CaseRow {
  id: string; county_id: string; kind: 'system-pushed' | 'on-site'; evaluation_id: string | null; service_case_id: string | null;
  case_no: string | null; service_code: string | null; service_name: string | null; unit_id: string | null; unit_name: string | null;
  window_name: string | null; staff_name: string | null; level: number | null; channel: string | null; options: string[];
  other_text: string | null; comment: string | null; free_text_enc: string | null; complainant_kind: string | null;
  complainant_enc: string | null; complainant_name_mask: string | null; complainant_phone_mask: string | null;
  complainant_id_mask: string | null; occurred_at: Date | null; received_at: Date; sender_id: string | null;
  request_fingerprint: string | null; process_key: string; instance_id: string | null; status: string; status_at: Date;
  outcome: string | null; revoked_at: Date | null; created_by: string;
}

/** pii_reveals (every clear view of personal data) — written by src/privacy/reveal.ts. */
export interface PiiRevealRow {
  id: number | string; county_id: string; user_id: string; evaluation_id: string | null; case_id: string | null; task_id: string | null; fields: string[]; at: Date;
}

/** definition_activations (which version new instances start; the newest row per process wins) — written by src/engine/definition-store.ts. */
export interface DefinitionActivationRow {
  id: number | string; county_id: string; process_key: string; definition_id: string; version: number;
  reason: 'deployed' | 'redeployed' | 'made-current'; actor: string; at: Date;
}

/** case_documents (PDFs archived as sent) — written by src/documents/documents.service.ts (archiveForTask). */
export interface CaseDocumentRow {
  id: number | string; county_id: string; case_id: string; kind: string; sha256: string; pdf: Buffer; task_id: string | null; archived_by: string; archived_at: Date;
}

/** bulletins (通报 editions) — written by src/bulletins/bulletins.service.ts. */
export interface BulletinRow {
  id: string; county_id: string; period_kind: string; period: string; edition_no: number; edition_year: number; period_from: Date; period_to: Date;
  due_at: Date; status: 'draft' | 'approved' | 'published'; figures: Record<string, unknown>; generated_at: Date; approved_by: string | null;
  approved_at: Date | null; published_by: string | null; published_at: Date | null;
}

/** bulletin_cases (the cases an edition lists) — written by src/bulletins/bulletins.service.ts. */
export interface BulletinCaseRow { bulletin_id: string; case_id: string }

/** shared_problems (共性问题, 双归零) — written by src/problems/shared-problems.service.ts. */
export interface SharedProblemRow {
  id: string; county_id: string; title: string; cause: Record<string, unknown>; owner: string; deadline: Date; status: 'open' | 'rectified' | 'closed';
  measures: string | null; rectified_at: Date | null; rectified_by: string | null; closed_at: Date | null; closed_by: string | null; created_by: string; created_at: Date;
}

/** shared_problem_cases — written by src/problems/shared-problems.service.ts. */
export interface SharedProblemCaseRow { problem_id: string; case_id: string }
