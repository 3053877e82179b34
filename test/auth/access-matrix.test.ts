/**
 * The access matrix: every role × both counties × every endpoint, with the status each must answer.
 * The users belong to county A (intakeshire), the installation administrator to every county; each
 * endpoint is called on an object of county A and of county B (testshire). A row is an endpoint, a
 * column a role; a cell is [status in A, status in B]. Rows for new endpoints (or new roles, such as an
 * auditor reading the history of its counties) are added to the tables below; the test also checks that
 * every operation of the OpenAPI document has a row.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADMIN_TOKEN, ApiClient, FIXTURES, TestApp, useApp } from '../support/harness';
import { badRating, rating, serviceCase } from '../support/intake';

const A = 'intakeshire';
const B = 'testshire';
const ROLES: Record<string, string[]> = {
  'installation-admin': ['admin'],
  'county-admin': ['admin'],
  'process-admin': ['process-admin'],
  'staff-centre': ['staff', '处理中心'],
  'staff-unit': ['staff', '责任单位'],
  intake: ['intake'],
  auditor: ['auditor'],
  'pii-reader': ['pii-reader'],
  worker: ['worker'],
  'role-less': [],
};
type Role = keyof typeof ROLES;
type Cell = [number, number];
type Row = Record<Role, Cell>;

/** Each county's objects, made fresh for each (role, county) where the endpoint changes them. */
interface Objects {
  county: string;
  instanceId: string;
  taskId: string;
  caseId: string;
  evaluationId: string;
  definitionId: string;
  caseNo: string;
  userId: string;
  processKey: string;
  taskInput: Record<string, unknown>;
  /** Two more open tasks of the county, for the calls that complete one. */
  spareTaskIds: string[];
}

const roles = Object.keys(ROLES) as Role[];
const row = (f: (role: Role) => Cell): Row => Object.fromEntries(roles.map((r) => [r, f(r)])) as Row;
/** Anyone of the county: the installation administrator sees B too. */
const anyone = (ok: number) => row((r) => (r === 'installation-admin' ? [ok, ok] : [ok, 404]));
/** Only these roles, checked by the route before the county (403 in both); the others of the county see 404 for B. */
const routeRoles = (allowed: Role[], ok: number, okOther = 404) => row((r) => (!allowed.includes(r) ? [403, 403] : r === 'installation-admin' ? [ok, ok] : [ok, okOther]));
/** Only these roles, checked by the service after the county (404 in B for everyone but the installation administrator). */
const serviceRoles = (allowed: Role[], ok: number, okB = ok) => row((r) => (r === 'installation-admin' ? (allowed.includes(r) ? [ok, okB] : [403, 403]) : allowed.includes(r) ? [ok, 404] : [403, 404]));
const installationOnly = (ok: number) => row((r) => (r === 'installation-admin' ? [ok, ok] : [403, 403]));
const everybody = (ok: number) => row(() => [ok, ok]);

const ACTORS: Role[] = ['installation-admin', 'county-admin', 'staff-centre'];
const INTAKE: Role[] = ['installation-admin', 'county-admin', 'staff-centre', 'staff-unit', 'intake'];
const ADMINS: Role[] = ['installation-admin', 'county-admin', 'process-admin'];
const WORKERS: Role[] = ['installation-admin', 'county-admin', 'worker'];
const NONE = '00000000-0000-7000-8000-000000000000';
/** A Camunda typed variable map of a task's input. */
const typed = (input: Record<string, unknown>) => Object.fromEntries(Object.entries(input).map(([k, value]) => [k, { value }]));
/** Who reads verification, replay and dossiers (src/auth/access.ts audit.read). */
const AUDITORS: Role[] = ['installation-admin', 'county-admin', 'auditor'];

/** Who manages shared problems (双归零). */
const PROBLEM: Role[] = ['installation-admin', 'county-admin', 'process-admin', 'staff-centre', 'staff-unit'];
/** An edition (or shared problem) id that does not exist. */
const NO_BULLETIN = '0190a000-0000-7000-8000-000000000000';

type Call = { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; body?: unknown; type?: string };
/** [the operation of the OpenAPI document, how to call it on a county's objects, who may, whether it changes its objects] */
const MATRIX: Array<[string, (o: Objects, role: Role, cell: string) => Call, Row, boolean?]> = [
  ['GET /api/v1/definitions', (o) => ({ method: 'GET', path: `/api/v1/definitions?county=${o.county}` }), anyone(200)],
  ['GET /api/v1/definitions/{id}', (o) => ({ method: 'GET', path: `/api/v1/definitions/${o.definitionId}` }), anyone(200)],
  ['POST /api/v1/counties/{county}/deployments', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/deployments`, body: DIAGRAMS[o.county], type: 'application/xml' }), routeRoles(ADMINS, 201)],
  ['PUT /api/v1/counties/{county}/processes/{processKey}/current', (o) => ({ method: 'PUT', path: `/api/v1/counties/${o.county}/processes/${o.processKey}/current`, body: { version: 1 } }), routeRoles(ADMINS, 200)],
  ['POST /api/v1/counties/{county}/process-instances', (o, _r, cell) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/process-instances`, body: { processKey: o.processKey, businessKey: `M-${cell}` } }), routeRoles(ADMINS, 201)],
  ['GET /api/v1/process-instances', (o) => ({ method: 'GET', path: `/api/v1/process-instances?county=${o.county}` }), anyone(200)],
  ['GET /api/v1/process-instances?incident=true', (o) => ({ method: 'GET', path: `/api/v1/process-instances?incident=true&county=${o.county}` }), serviceRoles(ADMINS, 200)],
  ['GET /api/v1/process-instances/{id}', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}` }), anyone(200)],
  ['GET /api/v1/process-instances/{id}/history', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}/history` }), anyone(200)],
  ['GET /api/v1/process-instances/{id}/verify', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}/verify` }), routeRoles(AUDITORS, 200)],
  ['GET /api/v1/process-instances/{id}/replay', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}/replay` }), routeRoles(AUDITORS, 200)],
  ['GET /api/v1/process-instances/{id}/replay/check', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}/replay/check` }), routeRoles(AUDITORS, 200)],
  ['GET /api/v1/process-instances/{id}/path', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}/path` }), routeRoles(AUDITORS, 200)],
  ['GET /api/v1/process-instances/{id}/dossier', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}/dossier` }), routeRoles(AUDITORS, 200)],
  ['GET /api/v1/process-instances/{id}/dossier.html', (o) => ({ method: 'GET', path: `/api/v1/process-instances/${o.instanceId}/dossier.html` }), routeRoles(AUDITORS, 200)],
  ['GET /api/v1/audit/verify', (o) => ({ method: 'GET', path: `/api/v1/audit/verify?county=${o.county}` }), routeRoles(AUDITORS, 200)],
  ['GET /api/v1/audit/replay-check', (o) => ({ method: 'GET', path: `/api/v1/audit/replay-check?county=${o.county}` }), routeRoles(AUDITORS, 200)],
  ['POST /api/v1/process-instances/{id}/retry', (o) => ({ method: 'POST', path: `/api/v1/process-instances/${o.instanceId}/retry`, body: {} }), routeRoles(ADMINS, 409)],
  ['GET /api/v1/tasks', (o) => ({ method: 'GET', path: `/api/v1/tasks?county=${o.county}` }), anyone(200)],
  ['GET /api/v1/tasks/{id}', (o) => ({ method: 'GET', path: `/api/v1/tasks/${o.taskId}` }), anyone(200)],
  ['GET /api/v1/tasks/{id}?reveal=true', (o) => ({ method: 'GET', path: `/api/v1/tasks/${o.taskId}?reveal=true` }), serviceRoles(['pii-reader'], 200)],
  ['GET /api/v1/tasks/{id}/comments', (o) => ({ method: 'GET', path: `/api/v1/tasks/${o.taskId}/comments` }), anyone(200)],
  ['POST /api/v1/tasks/{id}/comments', (o) => ({ method: 'POST', path: `/api/v1/tasks/${o.taskId}/comments`, body: { body: '已联系' } }), serviceRoles(ACTORS, 201), true],
  ['POST /engine-rest/task/{id}/comment/create', (o) => ({ method: 'POST', path: `/engine-rest/task/${o.taskId}/comment/create`, body: { message: '已联系' } }), serviceRoles(ACTORS, 200), true],
  ['POST /engine-rest/task/{id}/claim', (o, r) => ({ method: 'POST', path: `/engine-rest/task/${o.taskId}/claim`, body: { userId: `mx-${r}` } }), serviceRoles(ACTORS, 204), true],
  ['POST /engine-rest/task/{id}/unclaim', (o) => ({ method: 'POST', path: `/engine-rest/task/${o.taskId}/unclaim` }), serviceRoles(ACTORS, 204), true],
  ['POST /engine-rest/task/{id}/assignee', (o, r) => ({ method: 'POST', path: `/engine-rest/task/${o.taskId}/assignee`, body: { userId: `mx-${r}` } }), serviceRoles(ACTORS, 204), true],
  ['POST /engine-rest/task/{id}/complete', (o) => ({ method: 'POST', path: `/engine-rest/task/${o.spareTaskIds[0]}/complete`, body: { variables: typed(o.taskInput) } }), serviceRoles(ACTORS, 204), true],
  ['POST /engine-rest/task/{id}/submit-form', (o) => ({ method: 'POST', path: `/engine-rest/task/${o.spareTaskIds[1]}/submit-form`, body: { variables: typed(o.taskInput) } }), serviceRoles(ACTORS, 204), true],
  ['POST /api/v1/tasks/{id}/claim', (o) => ({ method: 'POST', path: `/api/v1/tasks/${o.taskId}/claim` }), serviceRoles(ACTORS, 200), true],
  ['POST /api/v1/tasks/{id}/unclaim', (o) => ({ method: 'POST', path: `/api/v1/tasks/${o.taskId}/unclaim` }), serviceRoles(ACTORS, 200), true],
  ['POST /api/v1/tasks/{id}/complete', (o) => ({ method: 'POST', path: `/api/v1/tasks/${o.taskId}/complete`, body: { variables: o.taskInput } }), serviceRoles(ACTORS, 200), true],
  ['GET /api/v1/admin/clock', () => ({ method: 'GET', path: '/api/v1/admin/clock' }), everybody(200)],
  ['PUT /api/v1/admin/clock', () => ({ method: 'PUT', path: '/api/v1/admin/clock', body: { now: '2026-11-03T10:00:00+08:00' } }), installationOnly(200)],
  ['POST /api/v1/admin/default-ratings/run', () => ({ method: 'POST', path: '/api/v1/admin/default-ratings/run', body: {} }), installationOnly(200)],
  ['GET /metrics', () => ({ method: 'GET', path: '/metrics' }), installationOnly(200)],
  ['GET /api/v1/admin/outbox', () => ({ method: 'GET', path: '/api/v1/admin/outbox' }), row((r) => (r.endsWith('admin') && r !== 'process-admin' ? [200, 200] : [403, 403]))],
  ['POST /api/v1/admin/users', (o, _r, cell) => ({ method: 'POST', path: '/api/v1/admin/users', body: { id: `new-${cell}`, roles: ['staff'], counties: [o.county] } }), row((r) => (r === 'installation-admin' ? [201, 201] : r === 'county-admin' ? [201, 403] : [403, 403]))],
  ['GET /api/v1/admin/users', () => ({ method: 'GET', path: '/api/v1/admin/users' }), row((r) => (r.endsWith('admin') && r !== 'process-admin' ? [200, 200] : [403, 403]))],
  ['GET /api/v1/admin/users/{id}', (o) => ({ method: 'GET', path: `/api/v1/admin/users/${o.userId}` }), routeRoles(['installation-admin', 'county-admin'], 200)],
  ['POST /api/v1/admin/users/{id}/disable', (o) => ({ method: 'POST', path: `/api/v1/admin/users/${o.userId}/disable` }), routeRoles(['installation-admin', 'county-admin'], 200), true],
  ['POST /api/v1/admin/users/{id}/enable', (o) => ({ method: 'POST', path: `/api/v1/admin/users/${o.userId}/enable` }), routeRoles(['installation-admin', 'county-admin'], 200), true],
  ['POST /api/v1/admin/users/{id}/token', (o) => ({ method: 'POST', path: `/api/v1/admin/users/${o.userId}/token` }), routeRoles(['installation-admin', 'county-admin'], 200), true],
  ['PUT /api/v1/calendars/{scope}/{year}', () => ({ method: 'PUT', path: '/api/v1/calendars/national/2030', body: { holidays: [{ date: '2030-01-01', name: '元旦' }], workdays: [], source: 'test', level: 'official' } }), installationOnly(200)],
  ['GET /api/v1/calendars/{scope}/{year}', () => ({ method: 'GET', path: '/api/v1/calendars/national/2026' }), everybody(200)],
  ['GET /api/v1/calendars/{county}/add', (o) => ({ method: 'GET', path: `/api/v1/calendars/${o.county}/add?from=2026-11-03T10:00:00%2B08:00&expr=2wd` }), anyone(200)],
  ['GET /api/v1/counties/{county}/calendar/{year}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/calendar/2026` }), anyone(200)],
  ['GET /api/v1/evaluations/catalogue', () => ({ method: 'GET', path: '/api/v1/evaluations/catalogue' }), everybody(200)],
  ['POST /api/v1/counties/{county}/service-cases', (o, _r, cell) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/service-cases`, body: serviceCase(`SC-${cell}`) }), serviceRoles(INTAKE, 201), true],
  ['GET /api/v1/counties/{county}/service-cases', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/service-cases` }), anyone(200)],
  ['GET /api/v1/counties/{county}/service-cases/{caseNo}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/service-cases/${o.caseNo}` }), anyone(200)],
  ['POST /api/v1/counties/{county}/evaluations', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/evaluations`, body: rating(o.caseNo) }), serviceRoles(INTAKE, 201), true],
  ['GET /api/v1/counties/{county}/evaluations', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/evaluations` }), anyone(200)],
  ['GET /api/v1/counties/{county}/evaluations/{id}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/evaluations/${o.evaluationId}` }), anyone(200)],
  ['GET /api/v1/counties/{county}/evaluations/{id}?reveal=true', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/evaluations/${o.evaluationId}?reveal=true` }), serviceRoles(['pii-reader'], 200)],
  // testshire takes no complaints (no processes.onSite in its tenant.yaml): 409 for those who may.
  ['POST /api/v1/counties/{county}/complaints', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/complaints`, body: { complainant: { name: '李四', phone: '13698765432' }, description: '态度差', unitId: 'unit-a' } }), serviceRoles(INTAKE, 201, 409)],
  ['GET /api/v1/counties/{county}/cases', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/cases` }), anyone(200)],
  // B has no cases: A's case id under B's path is found by no one.
  ['GET /api/v1/counties/{county}/cases/{id}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/cases/${o.caseId}` }), row(() => [200, 404])],
  ['GET /api/v1/counties/{county}/cases/{id}?reveal=true', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/cases/${o.caseId}?reveal=true` }), serviceRoles(['pii-reader'], 200)],
  ['GET /api/v1/counties/{county}/stats', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/stats` }), anyone(200)],
  ['GET /api/v1/counties/{county}/pii-reveals', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/pii-reveals` }), serviceRoles(['installation-admin', 'county-admin', 'auditor'], 200)],
  ['GET /api/v1/me', () => ({ method: 'GET', path: '/api/v1/me' }), everybody(200)],
  // A plan to a version that does not exist: who may plan is told so (404 naming toVersion), the others 403.
  ['POST /api/v1/counties/{county}/migrations', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/migrations`, body: { processKey: o.processKey, toVersion: 99, mapping: {} } }), routeRoles(ADMINS, 404, 404)],
  ['GET /api/v1/migrations/{id}', () => ({ method: 'GET', path: `/api/v1/migrations/${NONE}` }), routeRoles([...ADMINS, 'auditor'], 404, 404)],
  // Camunda 7 REST (engine-rest): the same access as the native API.
  ['GET /engine-rest/version', () => ({ method: 'GET', path: '/engine-rest/version' }), everybody(200)],
  ['GET /engine-rest/deployment', (o) => ({ method: 'GET', path: `/engine-rest/deployment?tenantIdIn=${o.county}` }), everybody(200)],
  ['POST /engine-rest/deployment/create', (o) => ({ method: 'POST', path: '/engine-rest/deployment/create', body: { 'tenant-id': o.county } }), routeRoles(ADMINS, 400, 400)],
  ['GET /engine-rest/task', (o) => ({ method: 'GET', path: `/engine-rest/task?processInstanceId=${o.instanceId}` }), everybody(200)],
  ['POST /engine-rest/task', (o) => ({ method: 'POST', path: '/engine-rest/task', body: { processInstanceId: o.instanceId } }), everybody(200)],
  ['GET /engine-rest/task/count', (o) => ({ method: 'GET', path: `/engine-rest/task/count?processInstanceId=${o.instanceId}` }), everybody(200)],
  ['POST /engine-rest/task/count', (o) => ({ method: 'POST', path: '/engine-rest/task/count', body: { processInstanceId: o.instanceId } }), everybody(200)],
  ['GET /engine-rest/task/{id}', (o) => ({ method: 'GET', path: `/engine-rest/task/${o.taskId}` }), anyone(200)],
  ['GET /engine-rest/task/{id}/form-variables', (o) => ({ method: 'GET', path: `/engine-rest/task/${o.taskId}/form-variables` }), anyone(200)],
  ['GET /engine-rest/task/{id}/variables', (o) => ({ method: 'GET', path: `/engine-rest/task/${o.taskId}/variables` }), anyone(200)],
  ['GET /engine-rest/task/{id}/comment', (o) => ({ method: 'GET', path: `/engine-rest/task/${o.taskId}/comment` }), anyone(200)],
  ['POST /engine-rest/external-task/fetchAndLock', (o, r) => ({ method: 'POST', path: '/engine-rest/external-task/fetchAndLock', body: { workerId: `w-${r}`, maxTasks: 1, topics: [{ topicName: 'nothing-here', lockDuration: 1000, tenantIdIn: [o.county] }] } }), routeRoles(WORKERS, 200, 200)],
  ['GET /engine-rest/external-task', (o) => ({ method: 'GET', path: `/engine-rest/external-task?tenantIdIn=${o.county}` }), routeRoles([...WORKERS, 'process-admin'], 200, 200)],
  ['GET /engine-rest/external-task/count', (o) => ({ method: 'GET', path: `/engine-rest/external-task/count?tenantIdIn=${o.county}` }), routeRoles([...WORKERS, 'process-admin'], 200, 200)],
  ['GET /engine-rest/external-task/{id}', () => ({ method: 'GET', path: `/engine-rest/external-task/${NONE}` }), routeRoles([...WORKERS, 'process-admin'], 404, 404)],
  ['GET /engine-rest/external-task/{id}/errorDetails', () => ({ method: 'GET', path: `/engine-rest/external-task/${NONE}/errorDetails` }), routeRoles([...WORKERS, 'process-admin'], 404, 404)],
  ['POST /engine-rest/external-task/{id}/complete', (o, r) => ({ method: 'POST', path: `/engine-rest/external-task/${NONE}/complete`, body: { workerId: `w-${r}` } }), routeRoles(WORKERS, 404, 404)],
  ['POST /engine-rest/external-task/{id}/bpmnError', (o, r) => ({ method: 'POST', path: `/engine-rest/external-task/${NONE}/bpmnError`, body: { workerId: `w-${r}`, errorCode: 'E' } }), routeRoles(WORKERS, 404, 404)],
  ['POST /engine-rest/external-task/{id}/failure', (o, r) => ({ method: 'POST', path: `/engine-rest/external-task/${NONE}/failure`, body: { workerId: `w-${r}`, errorMessage: 'x', retries: 0, retryTimeout: 0 } }), routeRoles(WORKERS, 404, 404)],
  ['POST /engine-rest/external-task/{id}/extendLock', (o, r) => ({ method: 'POST', path: `/engine-rest/external-task/${NONE}/extendLock`, body: { workerId: `w-${r}`, newDuration: 1000 } }), routeRoles(WORKERS, 404, 404)],
  ['POST /engine-rest/external-task/{id}/lock', (o, r) => ({ method: 'POST', path: `/engine-rest/external-task/${NONE}/lock`, body: { workerId: `w-${r}`, lockDuration: 1000 } }), routeRoles(WORKERS, 404, 404)],
  ['POST /engine-rest/external-task/{id}/unlock', () => ({ method: 'POST', path: `/engine-rest/external-task/${NONE}/unlock` }), routeRoles(WORKERS, 404, 404)],
  ['PUT /engine-rest/external-task/{id}/retries', () => ({ method: 'PUT', path: `/engine-rest/external-task/${NONE}/retries`, body: { retries: 1 } }), routeRoles(ADMINS, 404, 404)],
  ['GET /engine-rest/incident', (o) => ({ method: 'GET', path: `/engine-rest/incident?tenantIdIn=${o.county}` }), routeRoles(['installation-admin', 'county-admin', 'process-admin', 'worker', 'auditor'], 200, 200)],
  // Documents, bulletins, performance (issue 12). The fixture counties configure no documents and no
  // bulletins: a document or an edition answers 404 there, a generated edition 400 (none configured).
  ['GET /api/v1/counties/{county}/cases/{id}/documents', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/cases/${o.caseId}/documents` }), row(() => [200, 404])],
  ['GET /api/v1/counties/{county}/cases/{id}/documents/{file}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/cases/${o.caseId}/documents/registration.pdf` }), row(() => [404, 404])],
  ['GET /api/v1/counties/{county}/cases/{id}/documents/archived/{file}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/cases/${o.caseId}/documents/archived/1.pdf` }), row(() => [404, 404])],
  ['GET /api/v1/counties/{county}/bulletins', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/bulletins` }), anyone(200)],
  ['POST /api/v1/counties/{county}/bulletins', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/bulletins`, body: { kind: 'monthly', period: '2026-01' } }), routeRoles(ADMINS, 400)],
  ['GET /api/v1/counties/{county}/bulletins/{id}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/bulletins/${NO_BULLETIN}` }), row(() => [404, 404])],
  ['GET /api/v1/counties/{county}/bulletins/{id}/{file}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/bulletins/${NO_BULLETIN}/bulletin.pdf` }), row(() => [404, 404])],
  ['POST /api/v1/counties/{county}/bulletins/{id}/approve', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/bulletins/${NO_BULLETIN}/approve` }), routeRoles(ADMINS, 404)],
  ['POST /api/v1/counties/{county}/bulletins/{id}/publish', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/bulletins/${NO_BULLETIN}/publish` }), routeRoles(ADMINS, 404)],
  ['GET /api/v1/counties/{county}/performance', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/performance?period=2026-10` }), anyone(200)],
  ['GET /api/v1/counties/{county}/shared-problems', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/shared-problems` }), anyone(200)],
  ['GET /api/v1/counties/{county}/shared-problems/candidates', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/shared-problems/candidates` }), anyone(200)],
  ['POST /api/v1/counties/{county}/shared-problems', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/shared-problems`, body: { title: '共性问题' } }), routeRoles(PROBLEM, 400)],
  ['GET /api/v1/counties/{county}/shared-problems/{id}', (o) => ({ method: 'GET', path: `/api/v1/counties/${o.county}/shared-problems/${NO_BULLETIN}` }), row(() => [404, 404])],
  ['POST /api/v1/counties/{county}/shared-problems/{id}/rectify', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/shared-problems/${NO_BULLETIN}/rectify`, body: { measures: '整改' } }), routeRoles(PROBLEM, 404)],
  ['POST /api/v1/counties/{county}/shared-problems/{id}/close', (o) => ({ method: 'POST', path: `/api/v1/counties/${o.county}/shared-problems/${NO_BULLETIN}/close` }), routeRoles(PROBLEM, 404)],
  // Last: it changes the caller's own token.
  ['POST /api/v1/me/token', () => ({ method: 'POST', path: '/api/v1/me/token' }), everybody(200)],
];

const DIAGRAMS: Record<string, string> = {
  [A]: fs.readFileSync(path.join(FIXTURES, 'processes', A, 'system-pushed.bpmn'), 'utf8'),
  [B]: fs.readFileSync(path.join(FIXTURES, 'processes', B, 'host-basic.bpmn'), 'utf8'),
};

describe('the access matrix: every role × both counties × every endpoint', () => {
  let app: TestApp;
  let root: ApiClient;
  useApp((a) => (app = a));

  test('each cell answers its status', async () => {
    const t0 = Date.now();
    root = app.api.as(ADMIN_TOKEN);
    await root.put('/api/v1/admin/clock', { now: '2026-11-03T10:00:00+08:00' });
    const tokens = {} as Record<Role, string>;
    for (const r of roles) {
      const res = await root.post('/api/v1/admin/users', { id: `mx-${r}`, roles: ROLES[r], counties: r === 'installation-admin' ? ['*'] : [A] });
      tokens[r] = res.body.token;
    }
    let seq = 0;
    /** Objects of a county: a case (a bad rating) with its open task in A, a hand-started instance in B. */
    const objects = async (county: string): Promise<Objects> => {
      const n = ++seq;
      const caseNo = `MX-${n}`;
      await root.post(`/api/v1/counties/${county}/service-cases`, [serviceCase(caseNo), serviceCase(`${caseNo}-rated`), serviceCase(`${caseNo}-spare-1`), serviceCase(`${caseNo}-spare-2`)]);
      let instanceId: string;
      let processKey: string;
      let evaluation: { id: string; caseId: string | null };
      if (county === A) {
        evaluation = (await root.post(`/api/v1/counties/${A}/evaluations`, badRating(`${caseNo}-rated`))).body;
        instanceId = (await root.get(`/api/v1/counties/${A}/cases/${evaluation.caseId}`)).body.instanceId;
        processKey = 'intakeSystemPushed';
      } else {
        evaluation = (await root.post(`/api/v1/counties/${B}/evaluations`, rating(`${caseNo}-rated`))).body;
        instanceId = (await root.post(`/api/v1/counties/${B}/process-instances`, { processKey: 'hostBasic', businessKey: `MX-${n}` })).body.id;
        processKey = 'hostBasic';
      }
      const taskId = (await root.get(`/api/v1/tasks?instanceId=${instanceId}`)).body.items[0].id;
      const definitionId = (await root.get(`/api/v1/definitions?county=${county}&processKey=${processKey}`)).body.items[0].id;
      const spareTaskIds: string[] = [];
      for (const k of [1, 2]) {
        const spare =
          county === A
            ? (await root.get(`/api/v1/counties/${A}/cases/${(await root.post(`/api/v1/counties/${A}/evaluations`, badRating(`${caseNo}-spare-${k}`))).body.caseId}`)).body.instanceId
            : (await root.post(`/api/v1/counties/${B}/process-instances`, { processKey: 'hostBasic', businessKey: `MX-${n}-${k}` })).body.id;
        spareTaskIds.push((await root.get(`/api/v1/tasks?instanceId=${spare}`)).body.items[0].id);
      }
      const userId = `mx-target-${n}`;
      await root.post('/api/v1/admin/users', { id: userId, roles: ['staff'], counties: [county] });
      // testshire has no bad-review diagram, so no case: its case id is one of A, which B's path must not find.
      return { county, instanceId, taskId, caseId: evaluation.caseId ?? lastCaseOfA, evaluationId: evaluation.id, definitionId, caseNo, userId, processKey, taskInput: county === A ? { genuine: true } : { verdict: 'genuine' }, spareTaskIds };
    };
    let lastCaseOfA = '';
    const shared: Record<string, Objects> = { [A]: await objects(A), [B]: {} as Objects };
    lastCaseOfA = shared[A].caseId;
    shared[B] = await objects(B);

    const failures: string[] = [];
    let cells = 0;
    for (const r of roles) {
      const fresh: Record<string, Objects> = { [A]: await objects(A), [B]: await objects(B) };
      for (const [name, build, expected, changes] of MATRIX) {
        for (const [i, county] of [A, B].entries()) {
          const o = changes ? fresh[county] : shared[county];
          const call = build(o, r, `${r}-${county}`);
          const headers: Record<string, string> = { authorization: `Bearer ${tokens[r]}` };
          let body: string | undefined;
          if (call.body !== undefined) {
            headers['content-type'] = call.type ?? 'application/json';
            body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
          }
          const res = await fetch(app.url + call.path, { method: call.method, headers, body });
          const text = await res.text();
          cells++;
          if (res.status !== expected[r][i]) failures.push(`${r} on ${county === A ? 'A' : 'B'}: ${name} answered ${res.status}, expected ${expected[r][i]}: ${text.slice(0, 160)}`);
          if (name === 'POST /api/v1/me/token' && res.status === 200) tokens[r] = JSON.parse(text).token;
        }
      }
    }
    // Every operation of the OpenAPI document has its row.
    const doc = (await root.get('/docs-json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const covered = new Set(MATRIX.map(([name]) => name.replace(/\?.*$/, '')));
    const missing = documented.filter((op) => op !== 'GET /health' && !covered.has(op));
    // eslint-disable-next-line no-console
    console.log(`access matrix: ${cells} cells (${roles.length} roles × 2 counties × ${MATRIX.length} endpoints) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(missing).toEqual([]);
    expect(failures).toEqual([]);
  }, 300_000);
});
