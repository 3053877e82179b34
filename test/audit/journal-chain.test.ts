/**
 * The tamper-evident journal: the database refuses to change or delete a row; an attacker who drops the
 * trigger and changes or deletes a row is found by verify, which names the row; an untouched county
 * verifies ok; anchors pin a county's chains.
 */
import { ADMIN_TOKEN, ApiClient, TestApp, useApp } from '../support/harness';

describe('tamper-evident journal', () => {
  let app: TestApp;
  let root: ApiClient;
  const ids: Record<string, string> = {};

  const start = async (county: string, key: string) => {
    const r = await root.post(`/api/v1/counties/${county}/process-instances`, { processKey: 'hostBasic', businessKey: key, variables: { receivedAt: '2026-11-20T02:00:00Z' } });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };

  useApp((a) => (app = a));

  beforeAll(async () => {
    root = app.api.as(ADMIN_TOKEN);
    await root.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
    ids.a = await start('testshire', 'CH-A');
    ids.b = await start('testshire', 'CH-B');
    ids.c = await start('otherton', 'CH-C');
    await root.put('/api/v1/admin/clock', { now: '2026-11-21T09:00:00+08:00' });
    const task = (await root.get(`/api/v1/tasks?instanceId=${ids.a}`)).body.items[0];
    expect((await root.post(`/api/v1/tasks/${task.id}/claim`)).status).toBe(200);
    expect((await root.post(`/api/v1/tasks/${task.id}/complete`, { variables: { verdict: 'genuine', note: '已回访' } })).status).toBe(200);
  });

  const knex = () => app.core.db.knex;

  test('every row is numbered and chained within its instance', async () => {
    const rows = await knex()('journal').where({ instance_id: ids.a }).orderBy('seq');
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(rows[0].prev_hash).toBeNull();
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
    const head = await knex()('journal_heads').where({ instance_id: ids.a }).first();
    expect(head).toMatchObject({ seq: rows.length, hash: rows[rows.length - 1].hash });
  });

  test('the database refuses UPDATE, DELETE and TRUNCATE of the journal', async () => {
    const row = await knex()('journal').where({ instance_id: ids.a }).orderBy('seq').first();
    await expect(knex()('journal').where({ id: row.id }).update({ actor: 'mallory' })).rejects.toThrow(/append-only/);
    await expect(knex()('journal').where({ id: row.id }).del()).rejects.toThrow(/append-only/);
    await expect(knex().raw('truncate journal')).rejects.toThrow(/append-only/);
    expect((await knex()('journal').where({ id: row.id }).first()).actor).toBe(row.actor);
  });

  test('an untouched county verifies ok, with its anchor', async () => {
    const anchored = await app.core.audit.anchors.run();
    expect(anchored.map((a) => a.county_id)).toEqual(expect.arrayContaining(['otherton', 'testshire']));
    const r = await root.get('/api/v1/audit/verify?county=testshire');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', instances: 2, anchors: 1 });
    expect(r.body.rows).toBeGreaterThan(10);
    const one = await root.get(`/api/v1/process-instances/${ids.a}/verify`);
    expect(one.body).toMatchObject({ status: 'ok', instances: 1 });
    // The anchor is refused changes too.
    await expect(knex()('journal_anchors').where({ county_id: 'testshire' }).update({ hash: 'x' })).rejects.toThrow(/append-only/);
  });

  test('a row changed in the database (trigger dropped) is named by verify; the other county still verifies ok', async () => {
    await knex().raw('drop trigger journal_append_only on journal');
    const target = await knex()('journal').where({ instance_id: ids.a, type: 'task.completed' }).first();
    await knex()('journal').where({ id: target.id }).update({ data: JSON.stringify({ ...target.data, input: { verdict: 'mistaken', note: '已回访' } }) });
    const r = await root.get('/api/v1/audit/verify?county=testshire');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'broken', instanceId: ids.a, rowId: Number(target.id), seq: target.seq, reason: 'hash differs', expected: target.hash });
    expect(r.body.found).not.toBe(target.hash);
    expect(r.body.message).toContain('task.completed');
    expect((await root.get('/api/v1/audit/verify?county=otherton')).body).toMatchObject({ status: 'ok', instances: 1 });
    expect((await root.get(`/api/v1/process-instances/${ids.b}/verify`)).body).toMatchObject({ status: 'ok' });
  });

  test('a deleted row is named: the chain goes from the row before it to the row after it', async () => {
    const rows = await knex()('journal').where({ instance_id: ids.b }).orderBy('seq');
    const victim = rows[3];
    await knex()('journal').where({ id: victim.id }).del();
    const r = await root.get(`/api/v1/process-instances/${ids.b}/verify`);
    expect(r.body).toMatchObject({ status: 'broken', instanceId: ids.b, seq: victim.seq, reason: 'row missing', rowId: Number(rows[2].id) });
    // The last row of a chain, deleted with its head rewritten: the anchor no longer matches.
    const c = await knex()('journal').where({ instance_id: ids.c }).orderBy('seq', 'desc').first();
    await knex()('journal').where({ id: c.id }).del();
    await knex()('journal_heads').where({ instance_id: ids.c }).update({ seq: c.seq - 1, hash: c.prev_hash });
    const other = await root.get('/api/v1/audit/verify?county=otherton');
    expect(other.body).toMatchObject({ status: 'broken', reason: 'anchor differs' });
  });

  test('bad input answers 4xx naming the parameter', async () => {
    expect((await root.get('/api/v1/audit/verify')).body).toMatchObject({ error: 'validation_failed', details: [{ field: 'county' }] });
    expect((await root.get('/api/v1/audit/verify?county=nowhere')).status).toBe(404);
    expect((await root.get('/api/v1/audit/verify?county=testshire&from=yesterday')).body.details[0].field).toBe('from');
    expect((await root.get('/api/v1/process-instances/not-an-id/verify')).status).toBe(404);
    expect((await root.get('/api/v1/process-instances/00000000-0000-4000-8000-000000000000/verify')).status).toBe(404);
  });
});
