/**
 * The evaluator's phone and ID number must appear nowhere but in the encrypted columns: not in any HTTP
 * answer (masked), not in process variables, journal, tasks, outbox, cases, and not in a single line the
 * server logs. This test drives every intake path and then greps everything it collected.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/config';
import { createCore } from '../../src/core';
import { createApp } from '../../src/http/create-app';
import { decodePiiKey, openPiiCipher } from '../../src/privacy/cipher';
import { maskId, maskName, maskPhone, normalizePhone, redactText, residentIdProblem, usccProblem } from '../../src/privacy/identity';
import { ADMIN_TOKEN, FIXTURES, TEST_PII_KEY, createStore, usingPostgres } from '../support/harness';
import { COUNTY, EVALUATOR, badRating, rating, residentId, serviceCase, uscc } from '../support/intake';

const COMPLAINANT = { name: '李秀英', phone: '13698765432', idNumber: residentId('45020319751231004') };
const SECRETS = [EVALUATOR.phone, EVALUATOR.idNumber, EVALUATOR.name, COMPLAINANT.phone, COMPLAINANT.idNumber, COMPLAINANT.name];

describe('personal data never leaks', () => {
  test('a whole run: HTTP answers, database tables, server log lines hold no phone, ID number or name in clear', async () => {
    const store = await createStore();
    const lines: string[] = [];
    const logger = { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const writes: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    // Everything the process prints during the run is kept (and not shown: Nest logs every route at start).
    const keep = ((chunk: unknown) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stdout.write = keep;
    process.stderr.write = keep;
    const config = loadConfig(
      { CLOCK_CONTROL: 'true' },
      { dataDir: store.dataDir, databaseUrl: store.databaseUrl, processesDir: path.join(FIXTURES, 'processes'), templatesDir: path.join(FIXTURES, 'templates'), port: 0, schedulerEnabled: false, piiKey: store.databaseUrl ? TEST_PII_KEY : undefined },
    );
    const core = await createCore(config, logger);
    const app = await createApp(core, { logger: ['error', 'warn', 'log', 'debug'] });
    const bodies: string[] = [];
    try {
      await core.users.create({ id: 'test-admin', roles: ['admin'], counties: ['*'], token: ADMIN_TOKEN }, new Date());
      await app.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      const call = async (method: string, p: string, body?: unknown) => {
        const res = await fetch(url + p, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        bodies.push(`${method} ${p} → ${res.status} ${text}`);
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      };
      const base = `/api/v1/counties/${COUNTY}`;
      await call('PUT', '/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
      await call('POST', '/api/v1/admin/users', { id: 'clerk-p', roles: ['staff', '处理中心', '责任单位'], counties: [COUNTY] });
      expect((await call('POST', `${base}/service-cases`, [serviceCase('P-1'), serviceCase('P-2'), serviceCase('P-3'), serviceCase('P-4'), serviceCase('P-5')])).status).toBe(207);
      const withText = { comment: `我的电话${EVALUATOR.phone}，身份证号${EVALUATOR.idNumber}` };
      expect((await call('POST', `${base}/evaluations`, rating('P-1', withText))).status).toBe(201);
      const bad = badRating('P-2', withText);
      const stored = await call('POST', `${base}/evaluations`, bad);
      expect(stored.status).toBe(201);
      expect((await call('POST', `${base}/evaluations`, bad)).status).toBe(201); // replay
      expect((await call('POST', `${base}/evaluations`, { ...bad, level: 1 })).status).toBe(409); // same senderId, other rating
      expect((await call('POST', `${base}/evaluations`, rating('P-1'))).status).toBe(409); // rated already
      expect((await call('POST', `${base}/evaluations`, rating('NOPE', { evaluator: { ...EVALUATOR, idNumber: EVALUATOR.idNumber.slice(0, 17) + '0' } }))).status).toBe(400);
      expect((await call('POST', `${base}/evaluations`, [rating('P-3'), badRating('P-4'), rating('P-3'), rating('x', { level: 7 })])).status).toBe(207);
      const complaint = await call('POST', `${base}/complaints`, { senderId: 'desk-9', complainant: COMPLAINANT, description: `联系${COMPLAINANT.phone}`, unitId: 'unit-a' });
      expect(complaint.status).toBe(201);
      await call('POST', `${base}/complaints`, { senderId: 'desk-9', complainant: COMPLAINANT, description: `联系${COMPLAINANT.phone}`, unitId: 'unit-a' });
      // drive the bad review to the end: the evaluator is notified, the notification delivered (logged)
      const caseId = stored.body.caseId;
      let c = (await call('GET', `${base}/cases/${caseId}`)).body;
      await call('POST', `/api/v1/tasks/${c.openTasks[0].id}/complete`, { variables: { genuine: true } });
      c = (await call('GET', `${base}/cases/${caseId}`)).body;
      await call('POST', `/api/v1/tasks/${c.openTasks[0].id}/complete`, { variables: { measures: '已整改' } });
      expect((await call('GET', `${base}/cases/${caseId}`)).body.status).toBe('archived');
      await core.dispatch.dispatch();
      for (const p of ['cases?limit=100', `cases/${complaint.body.id}`, 'evaluations?limit=100', `evaluations/${stored.body.id}`, 'service-cases/P-2', 'stats']) expect((await call('GET', `${base}/${p}`)).status).toBe(200);
      await call('GET', `/api/v1/process-instances/${c.instanceId}/history`);
      await call('GET', `/api/v1/tasks?county=${COUNTY}&status=completed`);
      await call('GET', '/api/v1/admin/outbox');
      await call('PUT', '/api/v1/admin/clock', { now: '2026-11-12T10:00:00+08:00' });
      expect((await call('POST', '/api/v1/admin/default-ratings/run', {})).body).toEqual({ applied: 1, checked: 5 });
      expect(lines.some((l) => l.startsWith('notification '))).toBe(true); // the log transport did log
      expect(lines.some((l) => l.startsWith('default ratings:'))).toBe(true);

      const knex = core.db.knex;
      const dump: string[] = [];
      for (const table of ['journal', 'outbox', 'process_instances', 'tasks', 'timers', 'cases', 'evaluations', 'service_cases', 'pii_reveals', 'settings']) {
        const rows = await knex(table).select('*');
        for (const r of rows) for (const [k, v] of Object.entries(r)) if (!k.endsWith('_enc')) dump.push(`${table}.${k}=${JSON.stringify(v)}`);
      }
      expect(dump.length).toBeGreaterThan(100);
      expect(bodies.length).toBeGreaterThan(20);
      const everything = { 'HTTP answers': bodies.join('\n'), 'database (outside *_enc)': dump.join('\n'), 'logger lines': lines.join('\n'), 'stdout/stderr': writes.join('') };
      for (const [where, text] of Object.entries(everything)) {
        for (const secret of SECRETS) {
          if (text.includes(secret)) throw new Error(`"${secret}" found in ${where}: …${text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 50)}…`);
        }
      }
      // the control: the same collection does see the numbers when they are there (a reveal)
      const reader = (await call('POST', '/api/v1/admin/users', { id: 'reader-p', roles: ['pii-reader'], counties: [COUNTY] })).body.token;
      const revealed = await (await fetch(`${url}${base}/evaluations/${stored.body.id}?reveal=true`, { headers: { authorization: `Bearer ${reader}` } })).text();
      expect(revealed).toContain(EVALUATOR.phone);
      expect(revealed).toContain(EVALUATOR.idNumber);
      // while the masks are there, and the encrypted columns decrypt to the values
      expect(bodies.join('\n')).toContain(maskPhone(EVALUATOR.phone));
      const row = await knex('evaluations').where({ id: stored.body.id }).first();
      expect(JSON.parse(core.pii.decrypt(row.evaluator_enc, `evaluator:${row.id}`))).toEqual([EVALUATOR.name, EVALUATOR.phone, EVALUATOR.idNumber]);
      const other = await knex('evaluations').whereNot({ id: row.id }).whereNotNull('evaluator_enc').first();
      expect(() => core.pii.decrypt(row.evaluator_enc, `evaluator:${other.id}`)).toThrow(); // bound to its row
      expect(() => core.pii.decrypt(row.evaluator_enc, `complainant:${row.id}`)).toThrow(); // and to its role
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      await app.close();
      await core.close();
      await store.drop();
    }
  });

  test('the key: generated into the data folder (0600) when embedded, required with PostgreSQL, and a different key is refused', async () => {
    const store = await createStore();
    try {
      const config = loadConfig({}, { dataDir: store.dataDir, databaseUrl: store.databaseUrl, processesDir: path.join(FIXTURES, 'processes'), templatesDir: path.join(FIXTURES, 'templates'), schedulerEnabled: false });
      if (usingPostgres) {
        await expect(createCore(config, { log: () => undefined, warn: () => undefined, error: () => undefined })).rejects.toThrow(/PII_KEY is not set/);
        const core = await createCore({ ...config, piiKey: TEST_PII_KEY }, { log: () => undefined, warn: () => undefined, error: () => undefined });
        await core.close();
      } else {
        const core = await createCore(config, { log: () => undefined, warn: () => undefined, error: () => undefined });
        await core.close();
        const file = path.join(store.dataDir, 'pii.key');
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(decodePiiKey(fs.readFileSync(file, 'utf8').trim())).toHaveLength(32);
        const again = await createCore(config, { log: () => undefined, warn: () => undefined, error: () => undefined });
        await again.close(); // the same file, the same key
      }
      const other = Buffer.alloc(32, 9).toString('base64');
      await expect(createCore({ ...config, piiKey: other }, { log: () => undefined, warn: () => undefined, error: () => undefined })).rejects.toThrow(/not the key the stored personal data was encrypted with/);
      expect(() => loadConfig({ PII_KEY: 'c2hvcnQ=' })).toThrow(/PII_KEY must be the base64 of 32 random bytes/);
      expect(openPiiCipher).toBeDefined();
    } finally {
      await store.drop();
    }
  });

  test('numbers: mainland phones, GB 11643 resident IDs, GB 32100 credit codes, masks', () => {
    expect(normalizePhone('+86 138-0013-8000')).toEqual({ value: '13800138000', kind: 'mobile' });
    expect(normalizePhone('0772 2881234')).toEqual({ value: '0772-2881234', kind: 'landline' });
    expect(normalizePhone('010-62345678-123')).toEqual({ value: '010-62345678-123', kind: 'landline' });
    for (const bad of ['12800138000', '1380013800', '138001380000', '0772-123', 'phone']) expect(normalizePhone(bad)).toBeUndefined();
    expect(maskPhone('13800138000')).toBe('138****8000');
    expect(maskId('110105199001010123')).toBe('110105********0123');
    expect(maskName('欧阳小明')).toBe('欧***');
    expect(maskName('王')).toBe('王*');
    const now = new Date('2026-11-03T00:00:00Z');
    expect(residentIdProblem('11010519491231002X', now)).toBeUndefined(); // the GB 11643 example
    expect(residentIdProblem('110105194912310021', now)).toBe('check digit is wrong (GB 11643)');
    expect(residentIdProblem('110105194902300028', now)).toBe('holds no valid date of birth');
    expect(residentIdProblem('11010519491231002', now)).toMatch(/18 characters/);
    expect(residentIdProblem(residentId('11010520300101123'), now)).toBe('holds no valid date of birth'); // born in the future
    expect(usccProblem('91350100M000100Y43')).toBeUndefined(); // a published example
    expect(usccProblem('91350100M000100Y44')).toBe('check character is wrong (GB 32100)');
    expect(usccProblem('91350100M000100YI3')).toMatch(/18-character/);
    expect(usccProblem(uscc('12100000400000398'))).toBeUndefined();
    expect(redactText('call 13800138000 or +8613900001111; ID 11010519491231002x')).toBe('call 138****8000 or 139****1111; ID 110105********002X');
  });
});
