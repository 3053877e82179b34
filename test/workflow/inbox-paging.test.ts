/**
 * The inbox's keyset paging: `next` continues where the page ended, in the same order as offsets, for
 * the plain list and a candidate-group filter (tasks whose first group it is, and those that have it
 * after another); `total` is counted (up to its cap) and says whether it is capped.
 */
import { TOTAL_CAP } from '../../src/workflow/tasks.service';
import { TestApp, useApp } from '../support/harness';

describe('inbox paging', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  test('after/next walks the same rows as offset, for every filter', async () => {
    const api = app.api;
    for (let i = 0; i < 7; i++) expect((await api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: `PG-${i}` })).status).toBe(201);
    // One open task with two groups, the filtered group second (written as the engine would, through the tasks table).
    const any = await app.core.db.knex('tasks').where({ county_id: 'testshire', status: 'open' }).first();
    await app.core.db.knex('tasks').where({ id: any.id }).update({ candidate_groups: JSON.stringify(['责任单位', '处理中心']), due_at: null });

    for (const filter of ['county=testshire', 'county=testshire&candidateGroup=%E5%A4%84%E7%90%86%E4%B8%AD%E5%BF%83', 'candidateGroup=%E8%B4%A3%E4%BB%BB%E5%8D%95%E4%BD%8D']) {
      const all = (await api.get(`/api/v1/tasks?${filter}&limit=100`)).body;
      expect(all.totalIsCapped).toBe(false);
      expect(all.total).toBe(all.items.length);
      expect(all.next).toBeNull();
      const walked: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: { items: Array<{ id: string }>; next: string | null } } = await api.get(`/api/v1/tasks?${filter}&limit=3${after ? `&after=${after}` : ''}`);
        expect(res.status).toBe(200);
        walked.push(...res.body.items.map((t) => t.id));
        after = res.body.next;
        pages++;
      } while (after && pages < 20);
      expect(walked).toEqual(all.items.map((t: { id: string }) => t.id));
      const byOffset = (await api.get(`/api/v1/tasks?${filter}&limit=3&offset=3`)).body.items.map((t: { id: string }) => t.id);
      expect(byOffset).toEqual(walked.slice(3, 6));
    }
    // The task without a due instant comes last; the one with 责任单位 first is found by that group too.
    const group = (await api.get(`/api/v1/tasks?county=testshire&candidateGroup=%E5%A4%84%E7%90%86%E4%B8%AD%E5%BF%83&limit=100`)).body.items;
    expect(group[group.length - 1].id).toBe(any.id);
    expect((await api.get(`/api/v1/tasks?candidateGroup=%E8%B4%A3%E4%BB%BB%E5%8D%95%E4%BD%8D`)).body.items.map((t: { id: string }) => t.id)).toContain(any.id);
  });

  test('beyond TOTAL_CAP open tasks the total is capped and says so; keyset pages still walk every task once', async () => {
    const knex = app.core.db.knex;
    expect((await app.api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'CAP-0' })).status).toBe(201);
    const one = await knex('tasks').join('process_instances as i', 'i.id', 'tasks.instance_id').where({ 'i.business_key': 'CAP-0' }).first('tasks.id');
    // Copies of that open task, as many more as the cap and ten (the inbox reads rows; it does not ask the engine).
    const cols: string[] = await knex('information_schema.columns').where({ table_name: 'tasks' }).whereNotIn('column_name', ['id', 'execution_id', 'created_at']).pluck('column_name');
    await knex.raw(
      `insert into tasks (id, execution_id, created_at, ${cols.map((c) => `"${c}"`).join(', ')})
       select gen_random_uuid(), t.execution_id || '-copy-' || g, t.created_at + g * interval '1 second', ${cols.map((c) => `t."${c}"`).join(', ')}
       from tasks t, generate_series(1, ?) g where t.id = ?`,
      [TOTAL_CAP + 10, one.id],
    );
    const open = Number((await knex('tasks').where({ county_id: 'testshire', status: 'open' }).count({ n: '*' }))[0].n);
    expect(open).toBeGreaterThan(TOTAL_CAP);
    for (const filter of ['county=testshire', 'county=testshire&candidateGroup=%E5%A4%84%E7%90%86%E4%B8%AD%E5%BF%83', 'businessKey=CAP-0']) {
      const first = (await app.api.get(`/api/v1/tasks?${filter}&limit=200`)).body;
      expect(first).toMatchObject({ total: TOTAL_CAP, totalIsCapped: true });
      expect(first.items).toHaveLength(200);
      const seen = new Set<string>(first.items.map((t: { id: string }) => t.id));
      let after: string | null = first.next;
      let pages = 1;
      while (after && pages < 20) {
        const res = await app.api.get(`/api/v1/tasks?${filter}&limit=200&after=${after}`);
        for (const t of res.body.items) seen.add(t.id);
        after = res.body.next;
        pages++;
      }
      expect(seen.size).toBe(filter === 'businessKey=CAP-0' ? TOTAL_CAP + 11 : open);
    }
    // A filter with fewer matches is counted exactly.
    const few = (await app.api.get('/api/v1/tasks?businessKey=PG-1')).body;
    expect(few).toMatchObject({ total: 1, totalIsCapped: false });
  });

  test('a forged or combined cursor is a 400 naming it', async () => {
    expect((await app.api.get('/api/v1/tasks?after=bm90LWEtY3Vyc29y')).status).toBe(400);
    const next = Buffer.from(JSON.stringify({ d: null, c: new Date().toISOString(), i: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    expect((await app.api.get(`/api/v1/tasks?after=${next}`)).status).toBe(200);
    const both = await app.api.get(`/api/v1/tasks?after=${next}&offset=3`);
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/after and offset/);
  });
});
