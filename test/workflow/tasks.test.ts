import { laidOut } from '../support/bpmn-layout';
import { BusinessError } from '../../src/engine/services';
import { ADMIN_TOKEN, createStore, startApp, TestApp, TestStore, ApiClient } from '../support/harness';

describe('user tasks over HTTP', () => {
  let store: TestStore;
  let app: TestApp;
  let centre: ApiClient; // 处理中心 clerk of testshire
  let centre2: ApiClient; // another clerk
  let unitUser: ApiClient; // not in the candidate group
  let outsider: ApiClient; // clerk of otherton

  beforeAll(async () => {
    store = await createStore();
    app = await startApp(store, {}, {
      services: [
        {
          name: 'callEvaluator',
          description: 'test: fails with a business error when the phone is unreachable',
          run: (call) => {
            if (call.variables.reachable === false) throw new BusinessError('UNREACHABLE', 'the evaluator did not answer');
            return { calledBack: true };
          },
        },
      ],
    });
    const mk = async (id: string, roles: string[], counties: string[]) => app.api.as(ADMIN_TOKEN).post('/api/v1/admin/users', { id, roles, counties }).then((r) => app.api.as(r.body.token));
    centre = await mk('clerk-a', ['staff', '处理中心'], ['testshire']);
    centre2 = await mk('clerk-b', ['staff', '处理中心'], ['testshire']);
    unitUser = await mk('unit-x', ['staff', '责任单位'], ['testshire']);
    outsider = await mk('clerk-o', ['staff', '处理中心'], ['otherton']);
    await app.api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
  });
  afterAll(async () => {
    await app.close();
    await store.drop();
  });

  async function newTask(key: string, county = 'testshire') {
    const inst = (await app.api.post(`/api/v1/counties/${county}/process-instances`, { processKey: 'hostBasic', businessKey: key })).body;
    return (await app.api.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
  }

  test('claim, 409 for someone else, unclaim, then the other may claim and complete', async () => {
    const t = await newTask('CL-1');
    expect((await centre.post(`/api/v1/tasks/${t.id}/claim`)).body.assignee).toBe('clerk-a');
    const taken = await centre2.post(`/api/v1/tasks/${t.id}/claim`);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: 'task_claimed', details: [{ field: 'task', reason: 'is claimed by clerk-a', assignee: 'clerk-a' }] });
    expect((await centre2.post(`/api/v1/tasks/${t.id}/complete`, { variables: { verdict: 'genuine' } })).status).toBe(409);
    expect((await centre2.post(`/api/v1/tasks/${t.id}/unclaim`)).status).toBe(409);
    expect((await centre.post(`/api/v1/tasks/${t.id}/unclaim`)).body.assignee).toBeNull();
    expect((await centre2.post(`/api/v1/tasks/${t.id}/claim`)).status).toBe(200);
    const done = await centre2.post(`/api/v1/tasks/${t.id}/complete`, { variables: { verdict: 'genuine' } });
    expect(done.status).toBe(200);
    expect(done.body.completedBy).toBe('clerk-b');
    const again = await centre2.post(`/api/v1/tasks/${t.id}/complete`, { variables: { verdict: 'genuine' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('task_not_open');
    const hist = (await app.api.get(`/api/v1/process-instances/${t.instanceId}/history`)).body.events;
    expect(hist.filter((e: { type: string }) => e.type.startsWith('task.')).map((e: { type: string; actor: string }) => `${e.type}/${e.actor}`)).toEqual([
      'task.claimed/clerk-a',
      'task.unclaimed/clerk-a',
      'task.claimed/clerk-b',
      'task.completed/clerk-b',
    ]);
  });

  test('the form is checked: 400 naming the field, and nothing changes', async () => {
    const t = await newTask('FORM-1');
    const missing = await centre.post(`/api/v1/tasks/${t.id}/complete`, { variables: { note: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('form_invalid');
    expect(missing.body.details).toContainEqual({ field: 'verdict', reason: 'is required' });
    const wrong = await centre.post(`/api/v1/tasks/${t.id}/complete`, { variables: { verdict: 'maybe', extra: 1 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details).toEqual(expect.arrayContaining([{ field: 'verdict', reason: 'must be one of genuine, mistaken, malicious' }, { field: 'extra', reason: 'is not a field of this form' }]));
    const notObject = await centre.post(`/api/v1/tasks/${t.id}/complete`, { variables: [1, 2] });
    expect(notObject.status).toBe(400);
    expect(notObject.body.details).toEqual([{ field: 'variables', reason: 'must be a JSON object' }]);
    const still = (await centre.get(`/api/v1/tasks/${t.id}`)).body;
    expect(still.status).toBe('open');
    expect(still.form.required).toEqual(['verdict']);
    const j = await app.core.db.knex('journal').where({ instance_id: t.instanceId, type: 'task.completed' });
    expect(j).toHaveLength(0);
  });

  test('unknown task 404; not a candidate 403; another county cannot see it', async () => {
    expect((await centre.get('/api/v1/tasks/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await centre.post('/api/v1/tasks/not-a-uuid/complete', { variables: {} })).status).toBe(404);
    const t = await newTask('ACL-1');
    const forbidden = await unitUser.post(`/api/v1/tasks/${t.id}/claim`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toMatch(/处理中心/);
    expect((await outsider.get(`/api/v1/tasks/${t.id}`)).status).toBe(404);
    expect((await outsider.post(`/api/v1/tasks/${t.id}/complete`, { variables: { verdict: 'genuine' } })).status).toBe(404);
    expect((await outsider.get(`/api/v1/process-instances/${t.instanceId}`)).status).toBe(404);
    expect((await outsider.get(`/api/v1/process-instances/${t.instanceId}/history`)).status).toBe(404);
    const theirs = (await outsider.get('/api/v1/tasks')).body.items;
    expect(theirs.every((x: { county: string }) => x.county === 'otherton')).toBe(true);
    expect((await outsider.get('/api/v1/definitions')).body.items.every((d: { county_id: string }) => d.county_id === 'otherton')).toBe(true);
    expect((await outsider.get('/api/v1/definitions?county=testshire')).status).toBe(404);
    // Staff start no diagram by hand in any county: 403 whichever county, so nothing is disclosed.
    expect((await outsider.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic' })).status).toBe(403);
    const mine = await newTask('ACL-2', 'otherton');
    expect((await outsider.get(`/api/v1/tasks/${mine.id}`)).status).toBe(200);
  });

  test('no token 401, bad token 401', async () => {
    expect((await fetch(`${app.url}/api/v1/tasks`)).status).toBe(401);
    const bad = await app.api.as('nope').get('/api/v1/tasks');
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: 'unauthorized' });
  });

  test('filters and paging: candidate group, assignee, business key, overdue', async () => {
    const a = await newTask('F-1');
    const b = await newTask('F-2');
    await centre.post(`/api/v1/tasks/${a.id}/claim`);
    const byKey = (await centre.get('/api/v1/tasks?businessKey=F-2')).body;
    expect(byKey.items.map((t: { id: string }) => t.id)).toEqual([b.id]);
    const mine = (await centre.get('/api/v1/tasks?assignee=clerk-a')).body.items.map((t: { id: string }) => t.id);
    expect(mine).toContain(a.id);
    expect(mine).not.toContain(b.id);
    const group = (await centre.get('/api/v1/tasks?candidateGroup=处理中心&county=testshire&limit=1')).body;
    expect(group.items).toHaveLength(1);
    expect(group.total).toBeGreaterThanOrEqual(2);
    expect((await centre.get('/api/v1/tasks?candidateGroup=nobody')).body.total).toBe(0);
    expect((await centre.get('/api/v1/tasks?overdue=true&businessKey=F-1')).body.total).toBe(0);
    expect((await centre.get('/api/v1/tasks?limit=-1')).status).toBe(400);
    expect((await centre.get('/api/v1/tasks?overdue=perhaps')).body).toMatchObject({ error: 'validation_failed', details: [{ field: 'overdue', reason: 'must be true or false' }] });
  });

  test('comments', async () => {
    const t = await newTask('C-1');
    expect((await centre.post(`/api/v1/tasks/${t.id}/comments`, { body: '已电话联系评价人' })).status).toBe(201);
    expect((await centre.post(`/api/v1/tasks/${t.id}/comments`, { body: '' })).status).toBe(400);
    const list = (await centre.get(`/api/v1/tasks/${t.id}/comments`)).body;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ author: 'clerk-a', body: '已电话联系评价人' });
  });

  test('a business error of a service reaches the error boundary event with its code', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://example.org">
  <bpmn:process id="callback" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call" />
    <bpmn:serviceTask id="call" implementation="\${environment.services.callEvaluator}" />
    <bpmn:boundaryEvent id="unreachable" attachedToRef="call"><bpmn:errorEventDefinition errorRef="E_UNREACHABLE" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="ok" />
    <bpmn:sequenceFlow id="f3" sourceRef="unreachable" targetRef="retryLater" />
    <bpmn:userTask id="retryLater" name="Call again later" />
    <bpmn:sequenceFlow id="f4" sourceRef="retryLater" targetRef="ok" />
    <bpmn:endEvent id="ok" />
  </bpmn:process>
  <bpmn:error id="E_UNREACHABLE" errorCode="UNREACHABLE" />
</bpmn:definitions>`;
    expect((await app.api.post('/api/v1/counties/testshire/deployments', await laidOut(xml), { 'content-type': 'application/xml' })).status).toBe(201);
    const fine = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'callback', variables: { reachable: true } })).body;
    expect(fine.status).toBe('completed');
    expect(fine.variables.calledBack).toBe(true);
    const failed = (await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'callback', variables: { reachable: false } })).body;
    expect(failed.status).toBe('running');
    const tasks = (await app.api.get(`/api/v1/tasks?instanceId=${failed.id}`)).body.items;
    expect(tasks.map((t: { elementId: string }) => t.elementId)).toEqual(['retryLater']);
    const hist = (await app.api.get(`/api/v1/process-instances/${failed.id}/history`)).body.events;
    expect(hist.find((e: { type: string }) => e.type === 'service.error').data).toMatchObject({ code: 'UNREACHABLE' });
  });

  test('starting: 400 naming the field, 409 on a duplicate business key, 404 unknown process', async () => {
    expect((await app.api.post('/api/v1/counties/testshire/process-instances', {})).body.details).toEqual([{ field: 'processKey', reason: expect.any(String) }]);
    expect((await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', variables: 'x' })).body.details).toEqual([{ field: 'variables', reason: expect.any(String) }]);
    expect((await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'nope' })).status).toBe(404);
    await newTask('DUP-1');
    const dup = await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'DUP-1' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe('duplicate_business_key');
    const bad = await fetch(`${app.url}/api/v1/counties/testshire/process-instances`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"processKey": ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request' });
  });
});
