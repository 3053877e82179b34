/**
 * Point 10 end to end: phones and ID numbers written in every spelling people use, in a rating comment,
 * its "other" text, a complaint, staff form input (a free-text field and a field that names a person), a
 * staff comment, are masked wherever they are shown or sent, and found nowhere in clear: not in any
 * HTTP answer, log line, the journal, the outbox, process variables, engine state, tasks.output, nor any
 * other column of any table (the encrypted *_enc columns aside). A pii-reader sees them again, audited.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/config';
import { createCore } from '../../src/core';
import { createApp } from '../../src/http/create-app';
import { ADMIN_TOKEN, FIXTURES, TEST_PII_KEY, createStore } from '../support/harness';
import { COUNTY, EVALUATOR, badRating, serviceCase } from '../support/intake';
import { SPELLINGS } from '../support/spellings';
import { tableTexts } from '../support/tables';
import { laidOut } from '../support/bpmn-layout';

const TEXT = `我的联系方式：${SPELLINGS.map(([w]) => w).join('、')}。`;
const SECRETS = [...new Set(SPELLINGS.map(([, v]) => v))];
const NAMES = [EVALUATOR.name, '李秀英', '赵子龙'];

/** The text with full-width forms folded and every separator taken out: a number in any spelling shows as its digits. */
function flatten(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c >= 0xff01 && c <= 0xff5e ? String.fromCharCode(c - 0xfee0) : ch;
  }
  return out.replace(/[\s\-.()+·\u3000\\"]/g, '').toUpperCase();
}

describe('point 10: personal data in free text', () => {
  test('ten and more spellings, everywhere they can go in: masked where shown or sent, clear only in a reveal', async () => {
    const store = await createStore();
    const lines: string[] = [];
    const logger = { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const writes: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const keep = ((chunk: unknown) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stdout.write = keep;
    process.stderr.write = keep;
    const config = loadConfig(
      { CLOCK_CONTROL: 'true', ENGINE_CACHE_SIZE: process.env.ENGINE_CACHE_SIZE },
      { dataDir: store.dataDir, databaseUrl: store.databaseUrl, processesDir: path.join(FIXTURES, 'processes'), templatesDir: path.join(FIXTURES, 'templates'), port: 0, schedulerEnabled: false, piiKey: store.databaseUrl ? TEST_PII_KEY : undefined },
    );
    const core = await createCore(config, logger);
    const app = await createApp(core, { logger: ['error', 'warn', 'log', 'debug'] });
    const bodies: string[] = [];
    try {
      await core.users.create({ id: 'test-admin', roles: ['admin'], counties: ['*'], token: ADMIN_TOKEN }, new Date());
      await app.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      const call = async (method: string, p: string, body?: unknown, token = ADMIN_TOKEN, scan = true) => {
        const res = await fetch(url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        if (scan) bodies.push(`${method} ${p} → ${res.status} ${text}`);
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      };
      const base = `/api/v1/counties/${COUNTY}`;
      await call('PUT', '/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });

      // A version whose verify form names a contact person, and that briefs the unit with the free text.
      const xml = await laidOut(fs
        .readFileSync(path.join(FIXTURES, 'processes', COUNTY, 'system-pushed.bpmn'), 'utf8')
        .replace('camunda:formKey="verify"', 'camunda:formKey="verifyWithContact"')
        .replace(
          '<bpmn:sequenceFlow id="f3" sourceRef="verify" targetRef="isGenuine" />',
          `<bpmn:sequenceFlow id="f3" sourceRef="verify" targetRef="brief" /><bpmn:serviceTask id="brief" implementation="\${environment.services.notify}"><bpmn:extensionElements><camunda:properties><camunda:property name="template" value="unit-briefing" /><camunda:property name="to" value="unit:\${environment.variables.unitId}" /></camunda:properties></bpmn:extensionElements></bpmn:serviceTask><bpmn:sequenceFlow id="f3b" sourceRef="brief" targetRef="isGenuine" />`,
        ));
      const form = { type: 'object', properties: { genuine: { type: 'boolean' }, reason: { type: 'string', maxLength: 2000 }, contactName: { type: 'string', maxLength: 50, 'x-personal': 'name' } }, required: ['genuine'], additionalProperties: false };
      expect((await call('POST', `${base}/deployments`, { xml, forms: { verifyWithContact: form } })).status).toBe(201);

      await call('POST', `${base}/service-cases`, [serviceCase('FT-1'), serviceCase('FT-2')]);
      const rating = await call('POST', `${base}/evaluations`, badRating('FT-1', { comment: `${EVALUATOR.name}反映：${TEXT}`, options: ['other', 'attitude-3'], otherText: `回电 ${SPELLINGS[1][0]}` }));
      expect(rating.status).toBe(201);
      expect(rating.body.comment).toContain('138****5678');
      const complaint = await call('POST', `${base}/complaints`, { complainant: { name: '李秀英', phone: '13698765432' }, description: `李秀英投诉，${TEXT}`, unitId: 'unit-a' });
      expect(complaint.status).toBe(201);

      const caseId = rating.body.caseId;
      let kase = (await call('GET', `${base}/cases/${caseId}`)).body;
      const verify = kase.openTasks[0];
      expect((await call('POST', `/api/v1/tasks/${verify.id}/comments`, { body: `已拨打 ${SPELLINGS[5][0]}，无人接听；身份证 ${SPELLINGS[12][0]}` })).status).toBe(201);
      const done = await call('POST', `/api/v1/tasks/${verify.id}/complete`, { variables: { genuine: true, reason: `核实：${TEXT}`, contactName: '赵子龙' } });
      expect(done.status).toBe(200);
      kase = (await call('GET', `${base}/cases/${caseId}`)).body;
      await call('POST', `/api/v1/tasks/${kase.openTasks[0].id}/complete`, { variables: { measures: `整改，回访 ${SPELLINGS[8][0]}` } });
      await core.dispatch.dispatch();

      // What staff and auditors read back: all masked.
      const task = (await call('GET', `/api/v1/tasks/${verify.id}`)).body;
      expect(task.output).toMatchObject({ genuine: true, contactName: '赵**' });
      expect(task.output.reason).toContain('138****5678');
      expect((await call('GET', `/api/v1/tasks/${verify.id}/comments`)).body[0].body).toContain('138****5678');
      for (const p of [`cases/${caseId}`, `cases/${complaint.body.id}`, 'cases?limit=50', `evaluations/${rating.body.id}`, 'evaluations?limit=50']) expect((await call('GET', `${base}/${p}`)).status).toBe(200);
      await call('GET', `/api/v1/process-instances/${kase.instanceId}/history`);
      await call('GET', `/api/v1/process-instances/${kase.instanceId}`);
      await call('GET', `/api/v1/tasks?county=${COUNTY}&status=completed`);
      await call('GET', '/api/v1/admin/outbox');
      const briefing = await core.db.knex('outbox').where({ topic: 'unit-briefing' }).first();
      expect(briefing.body).toContain('赵**');
      expect(briefing.body).toContain('138****5678');

      const tables = await tableTexts(core.db.knex);
      const scanned: Record<string, string> = {
        'HTTP answers': bodies.join('\n'),
        'logger lines': lines.join('\n'),
        'stdout/stderr': writes.join(''),
        ...Object.fromEntries(Object.entries(tables).map(([t, v]) => [`table ${t}`, v.replace(/v1:[A-Za-z0-9+/=]+/g, '<sealed>')])),
      };
      expect(Object.keys(scanned).length).toBeGreaterThan(15);
      for (const [where, text] of Object.entries(scanned)) {
        const flat = flatten(text);
        for (const secret of SECRETS) if (flat.includes(secret)) throw new Error(`${secret} in clear in ${where}: …${text.slice(0, 300)}…`);
        for (const name of NAMES) if (text.includes(name)) throw new Error(`${name} in clear in ${where}`);
      }

      // The control: a pii-reader sees the originals, and each reveal is recorded.
      const reader = (await call('POST', '/api/v1/admin/users', { id: 'reader-ft', roles: ['pii-reader'], counties: [COUNTY] })).body.token;
      const clearTask = (await call('GET', `/api/v1/tasks/${verify.id}?reveal=true`, undefined, reader, false)).body;
      expect(clearTask.output).toEqual({ genuine: true, reason: `核实：${TEXT}`, contactName: '赵子龙' });
      const clearComments = (await call('GET', `/api/v1/tasks/${verify.id}/comments?reveal=true`, undefined, reader, false)).body;
      expect(clearComments[0].body).toContain(SPELLINGS[5][0]);
      const clearCase = (await call('GET', `${base}/cases/${caseId}?reveal=true`, undefined, reader, false)).body;
      expect(clearCase.rating.comment).toBe(`${EVALUATOR.name}反映：${TEXT}`);
      const clearComplaint = (await call('GET', `${base}/cases/${complaint.body.id}?reveal=true`, undefined, reader, false)).body;
      expect(clearComplaint.complaint.description).toBe(`李秀英投诉，${TEXT}`);
      const reveals = await core.db.knex('pii_reveals').where({ user_id: 'reader-ft' }).orderBy('id');
      expect(reveals.map((r: { task_id: string | null; fields: string[] }) => [r.task_id, r.fields])).toEqual([
        [verify.id, ['task.output']],
        [verify.id, ['task.comments']],
        [null, expect.arrayContaining(['evaluator.name', 'rating.comment'])],
        [null, expect.arrayContaining(['complainant.name', 'complaint.description'])],
      ]);
      expect(await core.db.knex('journal').where({ instance_id: kase.instanceId, type: 'pii.revealed' })).toHaveLength(3);
      // Staff without the role may not.
      expect((await call('GET', `/api/v1/tasks/${verify.id}?reveal=true`)).status).toBe(403);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      await app.close();
      await core.close();
      await store.drop();
    }
  }, 180_000);
});
