/**
 * Replay: the state of an instance at any instant or revision by re-executing its recorded inputs
 * through the drive, with no database writes; the re-execution proof; the dossier; who may read them.
 */
import { ADMIN_TOKEN, ApiClient, TestApp, useApp } from '../support/harness';

describe('replay by re-execution', () => {
  let app: TestApp;
  let root: ApiClient;
  let id: string;
  let atOpen: { tasks: unknown[]; timers: unknown[]; variables: unknown };

  useApp((a) => (app = a));

  const knex = () => app.core.db.knex;
  const snapshot = async (instanceId: string) => ({
    tasks: (await knex()('tasks').where({ instance_id: instanceId, status: 'open' }).orderBy('id')).map((t) => ({ id: t.id, elementId: t.element_id, assignee: t.assignee, dueAt: t.due_at?.toISOString() ?? null })),
    timers: (await knex()('timers').where({ instance_id: instanceId }).orderBy('id')).map((t) => ({ id: t.id, elementId: t.element_id, dueAt: new Date(t.due_at).toISOString() })),
    variables: (await knex()('process_instances').where({ id: instanceId }).first()).variables,
  });
  const replayed = (body: { openTasks: Array<{ id: string; elementId: string; assignee: string | null; dueAt: string | null }>; timers: Array<{ id: string; elementId: string; dueAt: string }>; variables: unknown }) => ({
    tasks: [...body.openTasks].sort((a, b) => a.id.localeCompare(b.id)).map((t) => ({ id: t.id, elementId: t.elementId, assignee: t.assignee, dueAt: t.dueAt })),
    timers: [...body.timers].sort((a, b) => a.id.localeCompare(b.id)),
    variables: body.variables,
  });

  beforeAll(async () => {
    root = app.api.as(ADMIN_TOKEN);
    await root.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
    const r = await root.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'RP-1', variables: { receivedAt: '2026-11-20T02:00:00Z' } });
    id = r.body.id;
    atOpen = await snapshot(id);
    await root.put('/api/v1/admin/clock', { now: '2026-11-21T09:00:00+08:00' });
    const task = (await root.get(`/api/v1/tasks?instanceId=${id}`)).body.items[0];
    expect((await root.post(`/api/v1/tasks/${task.id}/claim`)).status).toBe(200);
    await root.put('/api/v1/admin/clock', { now: '2026-11-22T09:00:00+08:00' });
    expect((await root.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine', note: '已回访' } })).status).toBe(200);
  });

  test('the state after the start equals what the runner stored then (tasks, timers, variables)', async () => {
    const r = await root.get(`/api/v1/process-instances/${id}/replay?revision=1`);
    expect(r.status).toBe(200);
    expect(replayed(r.body)).toEqual(atOpen);
    expect(r.body).toMatchObject({ status: 'running', revision: 1, definition: { processKey: 'hostBasic', version: 1 } });
    expect(r.body.activeActivities.map((a: { elementId: string }) => a.elementId)).toEqual(expect.arrayContaining(['register']));
  });

  test('at an instant: the claim in between is applied; after the completion, completed', async () => {
    const mid = await root.get(`/api/v1/process-instances/${id}/replay?at=${encodeURIComponent('2026-11-21T12:00:00+08:00')}`);
    expect(mid.status).toBe(200);
    expect(mid.body.openTasks).toEqual([expect.objectContaining({ elementId: 'register', assignee: 'test-admin', overdue: false })]);
    const end = await root.get(`/api/v1/process-instances/${id}/replay`);
    expect(end.body).toMatchObject({ status: 'completed', openTasks: [], timers: [], variables: { verdict: 'genuine', note: '已回访' } });
    expect(end.body.variables).toEqual((await knex()('process_instances').where({ id }).first()).variables);
  });

  test('no database writes: the journal and the instance are as they were', async () => {
    const before = await knex()('journal').count('id as n').first();
    await root.get(`/api/v1/process-instances/${id}/replay?revision=1`);
    await root.get(`/api/v1/process-instances/${id}/replay/check`);
    expect(await knex()('journal').count('id as n').first()).toEqual(before);
  });

  test('replay/check: consistent', async () => {
    const r = await root.get(`/api/v1/process-instances/${id}/replay/check`);
    expect(r.body).toEqual({ instanceId: id, status: 'consistent', steps: 2 });
    const county = await root.get('/api/v1/audit/replay-check?county=testshire');
    expect(county.body).toMatchObject({ status: 'consistent', progress: { done: 1, total: 1 }, divergent: [] });
    // A long job: the page's progress is in /health too.
    expect((await root.get('/health')).body.jobs.ended[0]).toMatchObject({ job: 'replay check testshire', done: 1, total: 1 });
  });

  test('dossier: the case file with hashes, verification, replayed steps; the read is journaled', async () => {
    const r = await root.get(`/api/v1/process-instances/${id}/dossier`);
    expect(r.status).toBe(200);
    expect(r.body.diagram.xml).toContain('hostBasic');
    expect(r.body.verification).toMatchObject({ status: 'ok' });
    expect(r.body.replayCheck).toMatchObject({ status: 'consistent' });
    expect(r.body.steps).toHaveLength(2);
    expect(r.body.steps[0].openTasks[0]).toMatchObject({ elementId: 'register' });
    expect(r.body.journal.every((j: { hash: string }) => /^[0-9a-f]{64}$/.test(j.hash))).toBe(true);
    expect(r.body.journal.at(-1)).toMatchObject({ type: 'audit.dossier-read', actor: 'test-admin' });
    const html = await fetch(`${app.url}/api/v1/process-instances/${id}/dossier.html`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    const text = await html.text();
    expect(text).toContain('案卷');
    expect(text).toContain('consistent');
    const reads = await knex()('journal').where({ instance_id: id, type: 'audit.dossier-read' });
    expect(reads).toHaveLength(2);
    expect((await root.get(`/api/v1/process-instances/${id}/verify`)).body.status).toBe('ok');
  });

  test('auditors read their counties only; others get 403 or 404', async () => {
    const mk = async (uid: string, roles: string[], counties: string[]) => {
      const r = await root.post('/api/v1/admin/users', { id: uid, roles, counties });
      expect(r.status).toBe(201);
      return app.api.as(r.body.token);
    };
    const auditor = await mk('ts-auditor', ['auditor'], ['testshire']);
    const elsewhere = await mk('ot-auditor', ['auditor'], ['otherton']);
    const staff = await mk('ts-staff', ['staff'], ['testshire']);
    expect((await auditor.get(`/api/v1/process-instances/${id}/replay?revision=1`)).status).toBe(200);
    expect((await auditor.get(`/api/v1/process-instances/${id}/dossier`)).status).toBe(200);
    expect((await auditor.get('/api/v1/audit/verify?county=testshire')).status).toBe(200);
    expect((await elsewhere.get(`/api/v1/process-instances/${id}/replay`)).status).toBe(404);
    expect((await elsewhere.get('/api/v1/audit/verify?county=testshire')).status).toBe(404);
    expect((await staff.get(`/api/v1/process-instances/${id}/replay`)).status).toBe(403);
    expect((await staff.get('/api/v1/audit/replay-check?county=testshire')).status).toBe(403);
    // An auditor only reads: acting on a task is refused.
    expect((await auditor.post(`/api/v1/counties/testshire/process-instances`, { processKey: 'hostBasic' })).status).toBe(403);
  });

  test('bad input answers 4xx with what to send, never 500', async () => {
    const bad = async (q: string, field: string) => {
      const r = await root.get(`/api/v1/process-instances/${id}/replay${q}`);
      expect(r.status).toBe(400);
      expect(r.body.details[0].field).toBe(field);
      expect(r.body.message.length).toBeGreaterThan(10);
    };
    await bad('?at=yesterday', 'at');
    await bad('?at=2026-02-30T10:00:00Z', 'at');
    await bad('?revision=-1', 'revision');
    await bad('?revision=99', 'revision');
    await bad(`?at=${encodeURIComponent('2020-01-01T00:00:00Z')}`, 'at');
    await bad(`?revision=1&at=${encodeURIComponent('2026-11-21T00:00:00Z')}`, 'at');
    expect((await root.get('/api/v1/process-instances/xyz/replay')).status).toBe(404);
    expect((await root.get('/api/v1/process-instances/00000000-0000-4000-8000-000000000000/replay/check')).status).toBe(404);
    expect((await root.get('/api/v1/audit/replay-check?county=testshire&after=nope')).status).toBe(400);
    expect((await root.get('/api/v1/audit/replay-check')).status).toBe(400);
  });

  test('a recorded task input changed in the database: replay/check names the divergent step', async () => {
    await knex().raw('drop trigger journal_append_only on journal');
    const step = await knex()('journal').where({ instance_id: id, type: 'step.input' }).whereRaw(`data->'action'->>'kind' = 'complete'`).first();
    const data = { ...step.data, action: { ...step.data.action, input: { verdict: 'malicious', note: '已回访' } } };
    await knex()('journal').where({ id: step.id }).update({ data: JSON.stringify(data) });
    const r = await root.get(`/api/v1/process-instances/${id}/replay/check`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'divergent', steps: 1, divergence: { revision: 2, action: 'complete', reason: 'input tampered', rowId: Number(step.id) } });
    const county = await root.get('/api/v1/audit/replay-check?county=testshire');
    expect(county.body).toMatchObject({ status: 'divergent', progress: { done: 1, total: 1 } });
    // The replay follows the inputs as they now read (and says so through check and verify).
    expect((await root.get(`/api/v1/process-instances/${id}/replay`)).body.variables).toMatchObject({ verdict: 'malicious' });
  });
});
