/**
 * The inbox's keyset paging: `next` continues where the page ended, in the same order as offsets, for
 * the plain list and a candidate-group filter (tasks whose first group it is, and those that have it
 * after another); `total` is counted (up to its cap) and says whether it is capped.
 */
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

  test('a forged or combined cursor is a 400 naming it', async () => {
    expect((await app.api.get('/api/v1/tasks?after=bm90LWEtY3Vyc29y')).status).toBe(400);
    const next = Buffer.from(JSON.stringify({ d: null, c: new Date().toISOString(), i: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    expect((await app.api.get(`/api/v1/tasks?after=${next}`)).status).toBe(200);
    const both = await app.api.get(`/api/v1/tasks?after=${next}&offset=3`);
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/after and offset/);
  });
});
