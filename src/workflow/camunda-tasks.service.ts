/**
 * The task subset of Camunda 7 REST (/engine-rest/task…) for the task clients staff already use: every
 * call is the native inbox (src/workflow/tasks.service.ts) with its access rules, form checks and
 * journal; only the shapes differ (Camunda's task object, typed variables, 204 answers).
 */
import type { User } from '../auth/access';
import { ValidationError } from '../errors';
import { TypedValue, camundaDate, camundaTypeOfSchema, decodeVariables, encodeVariables, flag, text, textList, wholeNumber } from './camunda';
import type { TaskFilter, TaskService, TaskView } from './tasks.service';

export interface CamundaTaskDto {
  id: string;
  name: string | null;
  assignee: string | null;
  owner: null;
  created: string | null;
  due: string | null;
  followUp: null;
  lastUpdated: null;
  delegationState: null;
  description: null;
  executionId: string;
  parentTaskId: null;
  priority: number;
  processDefinitionId: null;
  processInstanceId: string;
  taskDefinitionKey: string;
  caseExecutionId: null;
  caseInstanceId: null;
  caseDefinitionId: null;
  suspended: boolean;
  formKey: string | null;
  camundaFormRef: null;
  tenantId: string;
  /** This server's own facts beside Camunda's (clients ignore what they do not know). */
  businessKey: string | null;
  candidateGroups: string[];
}

export class CamundaTaskService {
  constructor(private readonly tasks: TaskService) {}

  /** GET /task (query string) and POST /task (JSON body): the same filters. */
  async list(user: User, q: Record<string, unknown>): Promise<CamundaTaskDto[]> {
    const filter = this.filter(q);
    const first = wholeNumber(q.firstResult, 'firstResult') ?? 0;
    const max = wholeNumber(q.maxResults, 'maxResults') ?? 200;
    const { items } = await this.tasks.list(user, { ...filter, offset: first, limit: Math.min(max, 200) });
    return max === 0 ? [] : items.map(dto);
  }

  async count(user: User, q: Record<string, unknown>): Promise<{ count: number }> {
    const { total } = await this.tasks.list(user, { ...this.filter(q), limit: 1 });
    return { count: total };
  }

  async get(user: User, id: string): Promise<CamundaTaskDto> {
    return dto(await this.tasks.get(user, id));
  }

  /** POST /task/{id}/claim {userId}: for yourself (an administrator may name someone else). */
  async claim(user: User, id: string, body: unknown): Promise<void> {
    const userId = text(obj(body).userId, 'userId') ?? user.id;
    if (userId === user.id) await this.tasks.claim(user, id);
    else await this.tasks.assign(user, id, userId);
  }

  async unclaim(user: User, id: string): Promise<void> {
    await this.tasks.unclaim(user, id);
  }

  /** POST /task/{id}/assignee {userId}: yourself is a claim, null an unclaim, someone else an administrator's assignment. */
  async setAssignee(user: User, id: string, body: unknown): Promise<void> {
    const b = obj(body);
    if (!('userId' in b)) throw new ValidationError('userId is required (null to unassign)', { field: 'userId', reason: 'is required' });
    const userId = b.userId === null ? null : text(b.userId, 'userId');
    if (userId === null || userId === undefined) {
      await this.tasks.unclaim(user, id);
    } else if (userId === user.id) {
      await this.tasks.claim(user, id);
    } else {
      await this.tasks.assign(user, id, userId);
    }
  }

  /** POST /task/{id}/complete and /submit-form: {variables: {name: {value, type}}} checked against the task's form. */
  async complete(user: User, id: string, body: unknown): Promise<Record<string, TypedValue> | undefined> {
    const b = obj(body);
    const variables = decodeVariables(b.variables);
    await this.tasks.complete(user, id, variables);
    if (flag(b.withVariablesInReturn, 'withVariablesInReturn')) return encodeVariables((await this.tasks.get(user, id)).variables);
    return undefined;
  }

  /** GET /task/{id}/form-variables: the fields of the task's form with their current values. */
  async formVariables(user: User, id: string, q: Record<string, unknown>): Promise<Record<string, TypedValue>> {
    const task = await this.tasks.get(user, id);
    const names = textList(q.variableNames, 'variableNames');
    const properties = ((task.form as { properties?: Record<string, unknown> } | null)?.properties ?? {}) as Record<string, unknown>;
    const out: Record<string, TypedValue> = {};
    for (const [name, schema] of Object.entries(properties)) {
      if (names && !names.includes(name)) continue;
      const value = task.variables[name];
      const typed = encodeVariables({ [name]: value ?? null })[name];
      out[name] = value === undefined || value === null ? { value: null, type: camundaTypeOfSchema(schema), valueInfo: {} } : typed;
    }
    return out;
  }

  /** GET /task/{id}/variables: the variables the task shows (its form's fields and the case facts). */
  async variables(user: User, id: string, q: Record<string, unknown>): Promise<Record<string, TypedValue>> {
    const task = await this.tasks.get(user, id);
    return encodeVariables(task.variables, textList(q.variableNames, 'variableNames') ?? null);
  }

  async addComment(user: User, id: string, body: unknown) {
    const b = obj(body);
    const c = await this.tasks.addComment(user, id, b.message);
    const task = await this.tasks.get(user, id);
    return { id: String(c.id), userId: c.author, taskId: id, processInstanceId: task.instanceId, rootProcessInstanceId: task.instanceId, time: camundaDate(c.createdAt), message: c.body, removalTime: null, links: [] };
  }

  async comments(user: User, id: string) {
    const task = await this.tasks.get(user, id);
    const list = (await this.tasks.comments(user, id)) as Array<{ id: number | string; author: string; body: string; createdAt: Date }>;
    return list.map((c) => ({ id: String(c.id), userId: c.author, taskId: id, processInstanceId: task.instanceId, rootProcessInstanceId: task.instanceId, time: camundaDate(c.createdAt), message: c.body, removalTime: null }));
  }

  private filter(q: Record<string, unknown>): TaskFilter {
    const tenants = textList(q.tenantIdIn, 'tenantIdIn');
    if (tenants && tenants.length > 1) throw new ValidationError('tenantIdIn: name one county at a time', { field: 'tenantIdIn', reason: 'names more than one county' });
    const instanceId = text(q.processInstanceId, 'processInstanceId', 36);
    if (instanceId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(instanceId)) {
      throw new ValidationError('processInstanceId must be an instance id (a UUID)', { field: 'processInstanceId', reason: 'is not a UUID' });
    }
    if (flag(q.unassigned, 'unassigned') && q.assignee) throw new ValidationError('assignee and unassigned exclude each other', { field: 'unassigned', reason: 'excludes assignee' });
    if (q.candidateUser !== undefined || q.involvedUser !== undefined) {
      throw new ValidationError('candidateUser and involvedUser are not supported: filter by candidateGroup or assignee', { field: q.candidateUser !== undefined ? 'candidateUser' : 'involvedUser', reason: 'is not supported' });
    }
    return {
      county: tenants?.[0],
      instanceId,
      businessKey: text(q.processInstanceBusinessKey, 'processInstanceBusinessKey'),
      assignee: text(q.assignee, 'assignee'),
      candidateGroup: text(q.candidateGroup, 'candidateGroup'),
      elementId: text(q.taskDefinitionKey, 'taskDefinitionKey'),
    };
  }
}

function dto(t: TaskView): CamundaTaskDto {
  return {
    id: t.id,
    name: t.name,
    assignee: t.assignee,
    owner: null,
    created: camundaDate(t.createdAt),
    due: camundaDate(t.dueAt),
    followUp: null,
    lastUpdated: null,
    delegationState: null,
    description: null,
    executionId: t.instanceId,
    parentTaskId: null,
    priority: 50,
    processDefinitionId: null,
    processInstanceId: t.instanceId,
    taskDefinitionKey: t.elementId,
    caseExecutionId: null,
    caseInstanceId: null,
    caseDefinitionId: null,
    suspended: false,
    formKey: t.formKey,
    camundaFormRef: null,
    tenantId: t.county,
    businessKey: t.businessKey,
    candidateGroups: t.candidateGroups,
  };
}

function obj(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('the body must be a JSON object', { field: 'body', reason: 'must be a JSON object' });
  return body as Record<string, unknown>;
}
