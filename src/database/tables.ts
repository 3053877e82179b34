/** Row types of the tables in migrations/. Timestamps come back as Date from both drivers. */
export interface CountyRow { id: string; name: string; region: string; settings: Record<string, unknown>; updated_at: Date }

export interface DefinitionRow {
  id: string; county_id: string; process_key: string; version: number; name: string | null; file_name: string | null;
  checksum: string; source: string; serialized_context: string; elements: DefinitionElements; deployed_by: string; deployed_at: Date;
}

/** What the host keeps of each element at deploy time. */
export interface DefinitionElements {
  userTasks: Record<string, { name?: string; candidateGroups?: string; candidateUsers?: string; assignee?: string; formKey?: string; dueDate?: string }>;
  serviceTasks: Record<string, { service: string; properties: Record<string, string> }>;
  timers: Record<string, { type: 'timeDuration' | 'timeDate' | 'timeCycle'; expression: string }>;
  /** JSON schemas of the forms the user tasks use, frozen with the version. */
  forms?: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
}

export type InstanceStatus = 'running' | 'completed' | 'failed' | 'terminated';

export interface InstanceRow {
  id: string; county_id: string; definition_id: string; process_key: string; business_key: string | null; status: InstanceStatus;
  revision: number; state: EngineState | null; variables: Record<string, unknown>; incident: string | null; started_by: string;
  started_at: Date; updated_at: Date; ended_at: Date | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EngineState = any;

export type TaskStatus = 'open' | 'completed' | 'cancelled';

export interface TaskRow {
  id: string; instance_id: string; county_id: string; execution_id: string; element_id: string; name: string | null;
  candidate_groups: string[]; candidate_users: string[]; assignee: string | null; form_key: string | null; due_at: Date | null;
  due_expression: string | null; due_provisional: boolean; status: TaskStatus; created_at: Date; claimed_at: Date | null;
  completed_at: Date | null; completed_by: string | null; output: Record<string, unknown> | null;
}

export interface TimerRow {
  id: string; instance_id: string; county_id: string; execution_id: string; element_id: string; expression: string | null;
  due_at: Date; provisional: boolean; locked_by: string | null; locked_until: Date | null; attempts: number; created_at: Date;
}

export interface JournalRow {
  id: number | string; instance_id: string; county_id: string; revision: number; type: string; element_id: string | null;
  element_type: string | null; actor: string | null; data: Record<string, unknown> | null; at: Date;
}

export interface OutboxRow {
  id: string; idempotency_key: string; instance_id: string | null; county_id: string; topic: string; recipients: string[];
  body: string; payload: Record<string, unknown>; status: 'pending' | 'delivered' | 'dead'; attempts: number;
  next_attempt_at: Date; locked_by: string | null; locked_until: Date | null; last_error: string | null; created_at: Date;
  delivered_at: Date | null;
}

export interface UserRow {
  id: string; name: string; token_hash: string; roles: string[]; counties: string[]; units: string[]; created_at: Date;
}
