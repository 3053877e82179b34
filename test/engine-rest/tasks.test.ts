/**
 * The task subset of Camunda 7 REST (/engine-rest/task) for staff's task clients: the same inbox, access
 * rules, form checks and journal as /api/v1/tasks, in Camunda's shapes (typed variables, 204 answers).
 */
import { TestApp, useApp } from '../support/harness';

let app: TestApp;
useApp((a) => (app = a));

let staff: ReturnType<TestApp['api']['as']>;
let other: ReturnType<TestApp['api']['as']>;

beforeAll(async () => {
  staff = app.api.as((await app.api.post('/api/v1/admin/users', { id: 'li.si', roles: ['staff', '处理中心'], counties: ['testshire'] })).body.token);
  other = app.api.as((await app.api.post('/api/v1/admin/users', { id: 'wang.wu', roles: ['staff', 'unit-x'], counties: ['testshire'] })).body.token);
});

async function start(businessKey: string) {
  const r = await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey, variables: { caseNo: businessKey } });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

test('list, get, claim, form variables, comment, complete with typed variables: the task is done and journaled as the native API does it', async () => {
  const instanceId = await start('T-REST-1');
  const list = await staff.get(`/engine-rest/task?processInstanceId=${instanceId}`);
  expect(list.status).toBe(200);
  expect(list.body).toHaveLength(1);
  const task = list.body[0];
  expect(task).toMatchObject({ name: 'Register the case', taskDefinitionKey: 'register', processInstanceId: instanceId, tenantId: 'testshire', formKey: 'register', assignee: null, suspended: false, businessKey: 'T-REST-1' });
  expect(task.due).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0800$/);
  expect((await staff.post('/engine-rest/task', { processInstanceBusinessKey: 'T-REST-1', taskDefinitionKey: 'register' })).body.map((t: { id: string }) => t.id)).toEqual([task.id]);
  expect((await staff.get(`/engine-rest/task/count?processInstanceBusinessKey=T-REST-1`)).body).toEqual({ count: 1 });
  expect((await staff.get(`/engine-rest/task/count?processInstanceBusinessKey=T-REST-1&taskDefinitionKey=other`)).body).toEqual({ count: 0 });
  expect((await staff.get(`/engine-rest/task/${task.id}`)).body.id).toBe(task.id);

  expect((await staff.post(`/engine-rest/task/${task.id}/claim`, { userId: 'li.si' })).status).toBe(204);
  expect((await app.api.get(`/api/v1/tasks/${task.id}`)).body.assignee).toBe('li.si');
  // Claiming for someone else is an administrator's act.
  expect((await staff.post(`/engine-rest/task/${task.id}/claim`, { userId: 'wang.wu' })).status).toBe(403);

  const formVars = await staff.get(`/engine-rest/task/${task.id}/form-variables`);
  expect(formVars.body).toEqual({ verdict: { type: 'String', value: null, valueInfo: {} }, note: { type: 'String', value: null, valueInfo: {} } });
  const comment = await staff.post(`/engine-rest/task/${task.id}/comment/create`, { message: '已电话联系评价人' });
  expect(comment.status).toBe(200);
  expect(comment.body).toMatchObject({ userId: 'li.si', taskId: task.id, message: '已电话联系评价人' });
  expect((await staff.get(`/engine-rest/task/${task.id}/comment`)).body).toHaveLength(1);

  // The form is checked as in the native API: a wrong field answers 400 naming it; nothing moves.
  const wrong = await staff.post(`/engine-rest/task/${task.id}/complete`, { variables: { verdict: { value: 'maybe', type: 'String' } } });
  expect(wrong.status).toBe(400);
  expect(wrong.body).toMatchObject({ type: 'InvalidRequestException', error: 'form_invalid' });
  const badType = await staff.post(`/engine-rest/task/${task.id}/complete`, { variables: { verdict: { value: 1, type: 'Potato' } } });
  expect(badType.status).toBe(400);
  // Someone not among the candidates may not complete it.
  expect((await other.post(`/engine-rest/task/${task.id}/complete`, { variables: {} })).status).toBe(403);

  const done = await staff.post(`/engine-rest/task/${task.id}/complete`, { variables: { verdict: { value: 'genuine', type: 'String' }, note: { value: '属实', type: 'String' } }, withVariablesInReturn: true });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ verdict: { type: 'String', value: 'genuine' }, note: { type: 'String', value: '属实' } });
  const instance = await app.api.get(`/api/v1/process-instances/${instanceId}`);
  expect(instance.body.status).toBe('completed');
  const journal = await app.core.db.knex('journal').where({ instance_id: instanceId }).orderBy('id');
  expect(journal.map((j: { type: string }) => j.type)).toEqual(expect.arrayContaining(['task.claimed', 'task.commented', 'task.completed']));
  expect(journal.find((j: { type: string }) => j.type === 'task.completed')).toMatchObject({ actor: 'li.si', data: { taskId: task.id, input: { verdict: 'genuine', note: '属实' } } });
  expect((await staff.post(`/engine-rest/task/${task.id}/complete`, { variables: {} })).status).toBe(409);
});

test('assignee and unclaim; submit-form; another county sees nothing; bad input is 4xx', async () => {
  const instanceId = await start('T-REST-2');
  const [task] = (await staff.get(`/engine-rest/task?processInstanceId=${instanceId}`)).body;
  expect((await app.api.post(`/engine-rest/task/${task.id}/assignee`, { userId: 'wang.wu' })).status).toBe(204);
  const byAssignee = await staff.get(`/engine-rest/task?assignee=wang.wu&processInstanceId=${instanceId}`);
  expect([byAssignee.status, byAssignee.body]).toEqual([200, [expect.objectContaining({ id: task.id, assignee: 'wang.wu' })]]);
  expect((await staff.post(`/engine-rest/task/${task.id}/claim`, {})).status).toBe(409);
  expect((await app.api.post(`/engine-rest/task/${task.id}/assignee`, { userId: null })).status).toBe(204);
  expect((await staff.post(`/engine-rest/task/${task.id}/assignee`, { userId: 'li.si' })).status).toBe(204);
  expect((await staff.post(`/engine-rest/task/${task.id}/unclaim`)).status).toBe(204);
  expect((await app.api.get(`/api/v1/tasks/${task.id}`)).body.assignee).toBeNull();
  const history = (await app.core.db.knex('journal').where({ instance_id: instanceId }).whereIn('type', ['task.assigned', 'task.claimed', 'task.unclaimed']).orderBy('id')).map(
    (j: { type: string; actor: string }) => `${j.type} by ${j.actor}`,
  );
  expect(history).toEqual(['task.assigned by test-admin', 'task.unclaimed by test-admin', 'task.claimed by li.si', 'task.unclaimed by li.si']);

  const submitted = await staff.post(`/engine-rest/task/${task.id}/submit-form`, { variables: { verdict: { value: 'mistaken' } } });
  expect(submitted.status).toBe(204);
  expect((await app.api.get(`/api/v1/process-instances/${instanceId}`)).body.variables.verdict).toBe('mistaken');

  const stranger = app.api.as((await app.api.post('/api/v1/admin/users', { id: 'zhao.liu', roles: ['staff', '处理中心'], counties: ['otherton'] })).body.token);
  expect((await stranger.get(`/engine-rest/task/${task.id}`)).status).toBe(404);
  expect((await stranger.get(`/engine-rest/task?processInstanceId=${instanceId}`)).body).toEqual([]);

  for (const q of ['processInstanceId=nope', 'maxResults=-1', 'firstResult=x', 'tenantIdIn=a,b', 'candidateUser=li.si']) {
    const r = await staff.get(`/engine-rest/task?${q}`);
    expect([q, r.status, r.body.type]).toEqual([q, 400, 'InvalidRequestException']);
  }
  expect((await staff.get('/engine-rest/task/not-a-task')).status).toBe(404);
  expect((await staff.post(`/engine-rest/task/${task.id}/comment/create`, { message: '' })).status).toBe(400);
  expect((await staff.post(`/engine-rest/task/${task.id}/complete`, { variables: [1] })).status).toBe(400);
});
