/**
 * The hostile-input suite. Every operation of the OpenAPI document (GET /docs-json, so an endpoint added
 * later is walked too) is sent hostile path parameters, query strings, bodies and content types, with
 * and without a token, all on one server. For every variant: no 5xx; a 4xx answers the error shape and
 * leaves every table as it was (rows and the transactions that wrote them); /health answers after it.
 */
import { ADMIN_TOKEN, TestApp, useApp } from '../support/harness';
import { COUNTY, badRating, serviceCase } from '../support/intake';
import { countRows } from '../support/tables';

type Operation = { method: string; path: string; params: string[]; query: string[] };

const HOSTILE_PATH = ['-'.repeat(36), 'a%00b', '%F0%9F%98%80%E2%80%AE', 'a'.repeat(3000), "..%2F..%2Fetc%2Fpasswd'%20or%201%3D1--"];
const HOSTILE_QUERY = ['-1', '99999999999999999999', '1e999', '%00', 'a'.repeat(3000), '2026-02-30%FF%FE'];
/** Query names any list may read; the document's own are added. */
const QUERY_NAMES = ['limit', 'offset', 'county', 'status', 'instanceId', 'businessKey', 'processKey', 'candidateGroup', 'assignee', 'overdue', 'reveal', 'incident', 'versions', 'caseNo', 'level', 'from', 'to', 'receivedFrom', 'unit', 'kind', 'expr'];

function deep(n: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

/** Bodies as [content-type, raw text]. */
const HOSTILE_BODIES: Array<[string, string]> = [
  ['application/json', '{"unterminated": '],
  ['application/json', '[]'],
  ['application/json', '1e999'],
  ['application/json', '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'],
  ['application/json', JSON.stringify(deep(200))],
  ['application/json', JSON.stringify({ id: 12, name: ['x'], roles: 'admin', counties: { a: 1 }, token: 5, processKey: 7, variables: 'x', body: 1, now: 1, version: '1', xml: 1, forms: [] })],
  ['application/json', JSON.stringify({ variables: { unitId: '${environment.variables.unitId}', n: 10_000_000 }, body: '${environment.variables.x}', processKey: 'hostBasic' })],
  ['application/json', JSON.stringify({ 'k\u0000': 'v', text: 'a\u0000b', body: 'x\u0000', big: 'x'.repeat(300_000), name: 'z'.repeat(10_000) })],
  ['application/json', JSON.stringify(Array.from({ length: 6000 }, (_, i) => ({ i })))],
  ['application/xml', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;</x>'],
  ['multipart/form-data; boundary=zzz', '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.bpmn"\r\n\r\nnot xml\r\n--zzz--\r\n'],
  ['text/csv', 'caseNo,serviceCode\n"unterminated,quote\n'],
];

describe('hostile input on every endpoint of the OpenAPI document', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  test('hundreds of variants, one server: no 5xx, a 4xx writes nothing, the server answers after each', async () => {
    const t0 = Date.now();
    const admin = app.api.as(ADMIN_TOKEN);
    await admin.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    // Real objects, so that hostile input reaches past the 404 of an unknown id.
    const mkUser = async (id: string, roles: string[], counties: string[]) => (await admin.post('/api/v1/admin/users', { id, roles, counties })).body.token as string;
    let token = await mkUser('hostile-admin', ['admin'], ['*']);
    await mkUser('hostile-target', ['staff'], ['testshire']);
    const inst = (await admin.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: 'H-1' })).body;
    const task = (await admin.get(`/api/v1/tasks?instanceId=${inst.id}`)).body.items[0];
    await admin.post(`/api/v1/counties/${COUNTY}/service-cases`, serviceCase('H-1'));
    const rating = (await admin.post(`/api/v1/counties/${COUNTY}/evaluations`, badRating('H-1'))).body;
    const definition = (await admin.get('/api/v1/definitions?county=testshire')).body.items[0];
    const valid: Record<string, string> = {
      county: 'testshire',
      scope: 'national',
      year: '2026',
      caseNo: 'H-1',
      processKey: 'hostBasic',
    };
    const idFor = (path: string): string => {
      if (path.startsWith('/api/v1/tasks/')) return task.id;
      if (path.startsWith('/api/v1/process-instances/')) return inst.id;
      if (path.startsWith('/api/v1/definitions/')) return definition.id;
      if (path.includes('/cases/')) return rating.caseId;
      if (path.includes('/evaluations/')) return rating.id;
      if (path.startsWith('/api/v1/admin/users/')) return 'hostile-target';
      return 'x';
    };
    const countyFor = (path: string) => (path.includes('/cases') || path.includes('/evaluations') || path.includes('/service-cases') || path.includes('/pii-reveals') || path.includes('/complaints') || path.includes('/stats') ? COUNTY : 'testshire');

    const doc = await admin.get('/docs-json');
    expect(doc.status).toBe(200);
    const operations: Operation[] = [];
    for (const [path, item] of Object.entries(doc.body.paths as Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const query = [...new Set([...QUERY_NAMES, ...(op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)])];
        operations.push({ method: method.toUpperCase(), path, params, query });
      }
    }
    expect(operations.length).toBeGreaterThan(30);
    const fill = (op: Operation, override: Record<string, string> = {}) =>
      op.path.replace(/\{(\w+)\}/g, (_m, name: string) => override[name] ?? (name === 'id' ? idFor(op.path) : name === 'county' ? countyFor(op.path) : (valid[name] ?? 'x')));

    const counts = await countRows(app.core.db.knex);
    // The control: the fingerprint does see a write (an update as much as an insert).
    const c0 = await counts();
    await admin.post(`/api/v1/tasks/${task.id}/claim`);
    const c1 = await counts();
    expect(c1.tasks).not.toBe(c0.tasks);
    expect(c1.journal).not.toBe(c0.journal);
    await admin.post(`/api/v1/tasks/${task.id}/unclaim`);
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    let variants = 0;
    // Nothing else writes (no scheduler): what a variant leaves is what the next one starts from.
    let before = await counts();
    const send = async (op: Operation, url: string, init: { body?: string; type?: string; auth?: string | null } = {}) => {
      const headers: Record<string, string> = {};
      const auth = init.auth === undefined ? token : init.auth;
      if (auth !== null) headers.authorization = `Bearer ${auth}`;
      if (init.type) headers['content-type'] = init.type;
      const res = await fetch(app.url + url, { method: op.method, headers, body: op.method === 'GET' ? undefined : init.body });
      const text = await res.text();
      variants++;
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const where = `${op.method} ${url.slice(0, 120)} [${init.type ?? ''} ${(init.body ?? '').slice(0, 60)}] → ${res.status}`;
      if (res.status >= 500) failures.push(`${where} ${text.slice(0, 200)}`);
      if (res.status >= 400 && res.status < 500) {
        let body: { error?: unknown; message?: unknown; details?: unknown } = {};
        try {
          body = JSON.parse(text);
        } catch {
          failures.push(`${where}: not JSON: ${text.slice(0, 100)}`);
        }
        if (typeof body.error !== 'string' || typeof body.message !== 'string') failures.push(`${where}: no {error, message}`);
        if (body.details !== undefined && (!Array.isArray(body.details) || body.details.some((d: { field?: unknown; reason?: unknown }) => typeof d.field !== 'string' || typeof d.reason !== 'string'))) {
          failures.push(`${where}: details are not [{field, reason}]`);
        }
      }
      const after = await counts();
      const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
      if (changed.length && res.status >= 400) failures.push(`${where}: refused, yet wrote ${changed.join(', ')}`);
      before = after;
      // A new token of one's own: go on with it.
      if (res.status === 200 && op.path.endsWith('/me/token')) token = JSON.parse(text).token;
      const health = await fetch(`${app.url}/health`);
      if (health.status !== 200) failures.push(`${where}: /health answered ${health.status} after it`);
      await health.text();
    };

    for (const op of operations) {
      if (op.path === '/health' || op.path.startsWith('/docs')) continue;
      // No token, a hostile token.
      await send(op, fill(op), { auth: null });
      await send(op, fill(op), { auth: 'x'.repeat(600) });
      // Each path parameter hostile in turn.
      for (const name of op.params) for (const v of HOSTILE_PATH) await send(op, fill(op, { [name]: v }));
      // Hostile query strings: each value under a name in turn, and a name given twice.
      for (let i = 0; i < (op.method === 'GET' ? HOSTILE_QUERY.length : 2); i++) {
        const name = op.query[(i * 7 + op.path.length) % op.query.length];
        await send(op, `${fill(op)}?${name}=${HOSTILE_QUERY[i]}`);
      }
      await send(op, `${fill(op)}?limit=1&limit=2&offset=%00&${op.query.map((q) => `${q}=%00`).join('&')}`);
      // Hostile bodies.
      if (op.method !== 'GET') for (const [type, body] of HOSTILE_BODIES) await send(op, fill(op), { type, body });
    }
    const seconds = (Date.now() - t0) / 1000;
    // eslint-disable-next-line no-console
    console.log(`hostile input: ${variants} variants over ${operations.length} operations in ${seconds.toFixed(1)} s; answers ${JSON.stringify(statuses)}`);
    expect(failures).toEqual([]);
    expect(variants).toBeGreaterThan(400);
    expect(Object.keys(statuses).filter((k) => k >= '400' && k < '500').length).toBeGreaterThan(4);
  }, 300_000);
});
