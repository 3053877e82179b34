/**
 * Camunda Modeler 5's Deploy button, replayed byte for byte as it builds its requests (FormData with
 * deployment-name, deployment-source "Camunda Modeler", enable-duplicate-filtering, tenant-id, the diagram
 * as a text/xml part named after its file, attachments as parts named after theirs; accept:
 * application/json; Basic or Bearer credentials; a 5 s timeout): the connection check, the version, a
 * deploy with a form, the same diagram again, and a refused diagram with the ENGINE-09005 message.
 */
import { TestApp, fixture, useApp } from '../support/harness';

let app: TestApp;
useApp((a) => (app = a));

const MODELER_TIMEOUT_MS = 5000;
let adminToken: string;

beforeAll(async () => {
  adminToken = (await app.api.post('/api/v1/admin/users', { id: 'proc.admin', roles: ['process-admin'], counties: ['testshire'] })).body.token;
});

/** What Camunda Modeler 5 sends (client/src/plugins/camunda-plugin/shared/CamundaAPI.js), with its timeout. */
async function modeler(pathname: string, auth: string | undefined, init: { method?: string; body?: FormData } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth) headers.authorization = auth;
  const started = Date.now();
  const res = await fetch(`${app.url}/engine-rest${pathname}`, { ...init, headers, signal: AbortSignal.timeout(MODELER_TIMEOUT_MS) });
  const elapsed = Date.now() - started;
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null, elapsed };
}

function deployment(diagram: { name: string; contents: string }, deploymentName: string, tenantId: string | undefined, attachments: Array<{ name: string; contents: string }> = []): FormData {
  const form = new FormData();
  form.append('deployment-name', deploymentName);
  form.append('deployment-source', 'Camunda Modeler');
  form.append('enable-duplicate-filtering', 'true');
  if (tenantId) form.append('tenant-id', tenantId);
  form.append(diagram.name, new Blob([diagram.contents], { type: 'text/xml' }), diagram.name);
  for (const file of attachments) form.append(file.name, new Blob([file.contents]), file.name);
  return form;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('connection check, version, deploy with a form, the same diagram again: answers as Camunda gives them, within 5 s', async () => {
  const auth = basic('proc.admin', adminToken);
  const check = await modeler('/deployment?maxResults=0', auth);
  expect(check).toMatchObject({ status: 200, body: [] });
  expect((await modeler('/deployment?maxResults=0', undefined)).status).toBe(401);
  expect((await modeler('/deployment?maxResults=0', basic('proc.admin', 'wrong'))).status).toBe(401);

  const version = await modeler('/version', `Bearer ${adminToken}`);
  expect(version.status).toBe(200);
  expect(version.body.version).toMatch(/^7\.\d+\.\d+$/);

  const xml = fixture('processes', 'testshire', 'host-basic.bpmn').replace('name="Register the case"', 'name="Register the case (from Camunda Modeler)"');
  const form = fixture('processes', 'testshire', 'forms', 'register.json');
  const first = await modeler('/deployment/create', auth, { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'host-basic', 'testshire', [{ name: 'register.json', contents: form }]) });
  expect(first.status).toBe(200);
  expect(first.type).toBe('application/json');
  expect(first.elapsed).toBeLessThan(MODELER_TIMEOUT_MS);
  // What the Modeler reads: {id, deployedProcessDefinitions}, the first definition of it.
  const { id, deployedProcessDefinitions } = first.body;
  const definition = Object.values(deployedProcessDefinitions ?? {})[0] as Record<string, unknown>;
  expect(definition).toMatchObject({ id, key: 'hostBasic', version: 2, tenantId: 'testshire', resource: 'host-basic.bpmn', deploymentId: id });
  expect(first.body).toMatchObject({ name: 'host-basic', source: 'Camunda Modeler', tenantId: 'testshire', created: true });

  const listed = await app.api.get('/api/v1/definitions?county=testshire&processKey=hostBasic&versions=all');
  expect(listed.body.items.map((d: { version: number; deployed_by: string }) => [d.version, d.deployed_by])).toEqual([
    [2, 'proc.admin'],
    [1, 'startup'],
  ]);
  expect((await app.core.db.knex('process_definitions').where({ id }).first()).elements.forms.register.required).toEqual(['verdict']);
  const deployments = await modeler('/deployment', auth);
  expect(deployments.body[0]).toMatchObject({ id, tenantId: 'testshire' });

  // Deploy again unchanged (duplicate filtering): the same version answers, nothing new is written.
  const again = await modeler('/deployment/create', auth, { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'host-basic', 'testshire', [{ name: 'register.json', contents: form }]) });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ id, created: false });
  expect((await app.core.db.knex('process_definitions').where({ county_id: 'testshire', process_key: 'hostBasic' })).length).toBe(2);
});

test('a refused diagram answers the ENGINE-09005 message the Modeler shows, with the element and the reason; nothing is stored', async () => {
  const auth = `Bearer ${adminToken}`;
  const xml = fixture('processes', 'testshire', 'host-basic.bpmn').replace(
    '</bpmn:process>',
    '<bpmn:scriptTask id="calc" name="Calculate" scriptFormat="javascript"><bpmn:script>1</bpmn:script></bpmn:scriptTask></bpmn:process>',
  );
  expect(xml).toContain('id="calc"');
  const before = (await app.core.db.knex('process_definitions')).length;
  const r = await modeler('/deployment/create', auth, { method: 'POST', body: deployment({ name: 'bad.bpmn', contents: xml }, 'bad', 'testshire') });
  expect(r.status).toBe(400);
  expect(r.type).toBe('application/json');
  expect(r.body.message.startsWith('ENGINE-09005 Could not parse BPMN process.')).toBe(true);
  expect(r.body.details).toContainEqual(expect.objectContaining({ field: 'calc', reason: expect.stringContaining('script tasks are not allowed') }));
  expect(r.body).toMatchObject({ type: 'ParseException', error: 'deployment_rejected' });

  const notXml = await modeler('/deployment/create', auth, { method: 'POST', body: deployment({ name: 'x.bpmn', contents: 'hello' }, 'x', 'testshire') });
  expect(notXml.body.message.startsWith('ENGINE-09005 Could not parse BPMN process.')).toBe(true);
  expect((await app.core.db.knex('process_definitions')).length).toBe(before);
});

test('the county is the tenant id; without one the only county of the user; other uploads are 4xx naming what to do', async () => {
  const xml = fixture('processes', 'testshire', 'host-basic.bpmn').replace('name="Host basic"', 'name="Host basic, no tenant"');
  const noTenant = await modeler('/deployment/create', `Bearer ${adminToken}`, { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'h', undefined) });
  expect(noTenant.status).toBe(200);
  expect(noTenant.body.tenantId).toBe('testshire');

  const everywhere = await modeler('/deployment/create', basic('test-admin', 'test-admin-token'), { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'h', undefined) });
  expect(everywhere.status).toBe(400);
  expect(everywhere.body.message).toContain('tenant id');

  const elsewhere = await modeler('/deployment/create', `Bearer ${adminToken}`, { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'h', 'otherton') });
  expect(elsewhere.status).toBe(404);
  const unknown = await modeler('/deployment/create', `Bearer ${adminToken}`, { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'h', 'atlantis') });
  expect(unknown.status).toBe(400);

  const staff = (await app.api.post('/api/v1/admin/users', { id: 'modeler-staff', roles: ['staff'], counties: ['testshire'] })).body.token;
  expect((await modeler('/deployment/create', `Bearer ${staff}`, { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'h', 'testshire') })).status).toBe(403);

  const html = await modeler('/deployment/create', `Bearer ${adminToken}`, { method: 'POST', body: deployment({ name: 'host-basic.bpmn', contents: xml }, 'h', 'testshire', [{ name: 'form.html', contents: '<form/>' }]) });
  expect(html.status).toBe(400);
  expect(html.body.message).toContain('only forms');
  const two = new FormData();
  two.append('a.bpmn', new Blob([xml], { type: 'text/xml' }), 'a.bpmn');
  two.append('b.bpmn', new Blob([xml], { type: 'text/xml' }), 'b.bpmn');
  expect((await modeler('/deployment/create', `Bearer ${adminToken}`, { method: 'POST', body: two })).status).toBe(400);
  const json = await fetch(`${app.url}/engine-rest/deployment/create`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: '{}' });
  expect(json.status).toBe(400);
});
