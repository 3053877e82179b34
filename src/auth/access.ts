/**
 * Who may see and do what: the one place that says it.
 *
 * A user has roles (admin, process-admin, staff, auditor, intake, pii-reader, worker, and the candidate groups
 * they belong to, e.g. 处理中心), the counties they may see (["*"] for all) and the units (部门) they
 * work in. Another county's objects answer 404, not 403: their existence is not disclosed.
 *
 * ACCESS below is the table of acts: for each, the roles that may do it (any one of them) and whether it
 * concerns the whole installation. Three rules hold for every row:
 *
 * - "admin" means an administrator of the county concerned: an administrator of liudong
 *   (counties ["liudong"]) administers liudong only. An administrator passes every role check of their
 *   counties except pii-reader: seeing an evaluator in clear is a duty of the callback staff, not of
 *   whoever runs the server.
 * - Installation-wide acts (the national calendar, the shared clock, the 7-day default run of every
 *   county) need an installation administrator: admin with counties ["*"].
 * - No one grants what they do not hold: a new user's roles, counties and units must be held by the
 *   administrator who creates them (an administrator holds the units of their counties; an
 *   installation administrator, where every grant starts, may grant every role, pii-reader included,
 *   without using it), and a user may only be managed (listed, disabled, given a new token) by an
 *   administrator who could have created them.
 *
 * Rows are added here (e.g. an auditor that reads the history of its counties): routes declare the act
 * with @Act (src/http/guard.ts), services check the county with assertMay.
 */
import { ForbiddenError, NotFoundError } from '../errors';
import type { Tenant, TenantRegistry } from '../tenants';

export interface User {
  id: string;
  name: string;
  roles: string[];
  counties: string[];
  units: string[];
}

export const SYSTEM_ROLES = ['admin', 'process-admin', 'staff', 'auditor', 'intake', 'pii-reader', 'worker'] as const;

/** The role that may see personal data in clear; no other role implies it. */
export const PII_READER = 'pii-reader';

/** Every signed-in user (of the county concerned). */
export const ANYONE = 'anyone';

export interface AccessRule {
  /** Any one of these roles, or ANYONE. */
  roles: readonly string[] | typeof ANYONE;
  /** Concerns every county: only users of all counties (["*"]) with the role may. */
  installation?: boolean;
  /** What the act is, for the 403 message. */
  what: string;
}

export const ACCESS = {
  'county.read': { roles: ANYONE, what: 'read the diagrams, instances, tasks, cases, ratings and calendars of a county' },
  'instance.history': { roles: ANYONE, what: 'read the history of an instance' },
  'definition.deploy': { roles: ['admin', 'process-admin'], what: 'deploy a diagram' },
  'definition.make-current': { roles: ['admin', 'process-admin'], what: 'choose the version of a process that new instances start' },
  'instance.start': { roles: ['admin', 'process-admin'], what: 'start a diagram by hand (cases start from ratings and complaints)' },
  'instance.incidents': { roles: ['admin', 'process-admin'], what: 'list the instances stopped by an incident' },
  'instance.retry': { roles: ['admin', 'process-admin'], what: 'retry an instance stopped by an incident' },
  'task.act': { roles: ANYONE, what: 'claim, complete, unclaim or comment on a task (see mayActOnTask)' },
  'intake.send': { roles: ['intake', 'staff', 'admin'], what: 'send 办件, ratings and on-site complaints' },
  'pii.reveal': { roles: [PII_READER], what: 'see personal data in clear' },
  'pii.audit': { roles: ['auditor', 'admin'], what: 'read the audit of personal data shown in clear' },
  'audit.read': { roles: ['auditor', 'admin'], what: "verify the journal, replay instances and read dossiers of one's counties" },
  'calendar.load': { roles: ['admin', 'process-admin'], what: 'load a regional calendar year (every county using the scope must be yours)' },
  'calendar.load-national': { roles: ['admin'], installation: true, what: 'load the national calendar, which every county counts with' },
  'clock.set': { roles: ['admin'], installation: true, what: 'set the clock every county shares' },
  'defaults.run': { roles: ['admin'], installation: true, what: 'apply the 7-day default ratings of every county' },
  'outbox.read': { roles: ['admin'], what: "read the notifications of one's counties" },
  'metrics.read': { roles: ['admin'], installation: true, what: 'read the operational metrics of the installation (GET /metrics; a Prometheus server uses METRICS_TOKEN instead)' },
  'case.documents': { roles: ANYONE, what: "read and print the documents of a county's cases (personal data masked unless pii-reader asks reveal=true)" },
  'bulletin.read': { roles: ANYONE, what: 'read the bulletins (通报) of a county' },
  'bulletin.generate': { roles: ['admin', 'process-admin'], what: 'generate a bulletin edition now (the scheduler does it on time)' },
  'bulletin.approve': { roles: ['admin', 'process-admin'], what: 'approve a draft bulletin edition' },
  'bulletin.publish': { roles: ['admin', 'process-admin'], what: 'publish an approved bulletin edition' },
  'problem.manage': { roles: ['admin', 'process-admin', 'staff'], what: 'open, rectify and close shared problems (共性问题, 双归零)' },
  'performance.read': { roles: ANYONE, what: 'read the performance ledger (绩效) of a county' },
  'users.manage': { roles: ['admin'], what: 'create, list, disable users and give them new tokens (within what you hold)' },
  'migration.run': { roles: ['admin', 'process-admin'], what: 'move running instances to another version of their process' },
  'migration.read': { roles: ['admin', 'process-admin', 'auditor'], what: 'read a migration of running instances' },
  'external.work': { roles: ['worker'], what: 'fetch, lock, complete or fail external tasks (a worker)' },
  'external.read': { roles: ['worker', 'process-admin'], what: 'read the external tasks of a county' },
  'external.retries': { roles: ['admin', 'process-admin'], what: 'set the retries of an external task' },
  'incident.read': { roles: ['process-admin', 'worker', 'auditor'], what: 'read the incidents of a county' },
} satisfies Record<string, AccessRule>;

export type Act = keyof typeof ACCESS;

export function isAdmin(user: User): boolean {
  return user.roles.includes('admin');
}

/** An administrator of every county: the only one who may act on the whole installation. */
export function isInstallationAdmin(user: User): boolean {
  return isAdmin(user) && user.counties.includes('*');
}

/** Holds the role itself, or through being an administrator (every role but pii-reader). */
export function hasRole(user: User, role: string): boolean {
  return user.roles.includes(role) || (role !== PII_READER && isAdmin(user));
}

export function canSeeCounty(user: User, countyId: string): boolean {
  return user.counties.includes('*') || user.counties.includes(countyId);
}

/** Counties a user may see, or '*' for all. */
export function visibleCounties(user: User): string[] | '*' {
  return user.counties.includes('*') ? '*' : user.counties;
}

export function assertCounty(user: User, countyId: string, what = 'county'): void {
  if (!canSeeCounty(user, countyId)) throw new NotFoundError(`No ${what} visible to you in "${countyId}"`);
}

/** The role part of an act (no county): what a route checks before its service runs. */
export function mayByRole(user: User, act: Act): boolean {
  const rule: AccessRule = ACCESS[act];
  if (rule.installation && !user.counties.includes('*')) return false;
  return rule.roles === ANYONE || rule.roles.some((r) => hasRole(user, r));
}

/** May the user do the act, in the county when one is concerned? */
export function may(user: User, act: Act, countyId?: string): boolean {
  return mayByRole(user, act) && (countyId === undefined || canSeeCounty(user, countyId));
}

/** 404 for a county the user cannot see, 403 naming the act and its roles otherwise. */
export function assertMay(user: User, act: Act, countyId?: string): void {
  if (countyId !== undefined) assertCounty(user, countyId);
  if (mayByRole(user, act)) return;
  const rule: AccessRule = ACCESS[act];
  const roles = rule.roles === ANYONE ? 'a user' : rule.roles.join(' or ');
  throw new ForbiddenError(`To ${rule.what} you need to be ${rule.installation ? `${roles} of every county (counties ["*"])` : roles}`, [
    { field: 'roles', reason: rule.installation ? `needs ${roles} of every county` : `needs ${roles}` },
  ]);
}

/** One of the roles (an administrator passes, except for pii-reader). For routes of other modules that name roles. */
export function assertRole(user: User, ...roles: string[]): void {
  if (!roles.some((r) => hasRole(user, r))) throw new ForbiddenError(`This needs the role ${roles.join(' or ')}`, [{ field: 'roles', reason: `needs ${roles.join(' or ')}` }]);
}

/** The county of a path, visible to the user, and the act allowed there. */
export function countyAllowing(tenants: TenantRegistry, user: User, countyId: string, act: Act = 'county.read'): Tenant {
  const tenant = tenants.get(countyId);
  if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
  assertMay(user, act, countyId);
  return tenant;
}

/** The county of a path, visible to the user, with one of the roles when given. */
export function countyFor(tenants: TenantRegistry, user: User, countyId: string, ...roles: string[]): Tenant {
  const tenant = tenants.get(countyId);
  if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
  assertCounty(user, countyId);
  if (roles.length) assertRole(user, ...roles);
  return tenant;
}

/**
 * May the user act on (claim, complete, unclaim, comment) a task? Administrators of its county, its
 * assignee, its candidate users, members of a candidate group (their roles or units); when the task
 * names nobody, the staff of its county. A user who only reads (an auditor, a role-less user) never.
 */
export function mayActOnTask(user: User, task: { county_id?: string; assignee: string | null; candidate_users: string[]; candidate_groups: string[] }): boolean {
  if (task.county_id !== undefined && !canSeeCounty(user, task.county_id)) return false;
  if (isAdmin(user)) return true;
  if (task.assignee === user.id) return true;
  if (task.candidate_users.includes(user.id)) return true;
  if (task.candidate_groups.some((g) => user.roles.includes(g) || user.units.includes(g))) return true;
  return !task.assignee && !task.candidate_users.length && !task.candidate_groups.length && user.roles.includes('staff');
}

// ---- granting ------------------------------------------------------------------------------------

export interface Grant {
  roles: string[];
  counties: string[];
  units: string[];
}

/** Units the user holds: their own, and as an administrator every unit of their counties. */
function holdsUnit(user: User, unit: string, unitsOf: (countyId: string) => string[]): boolean {
  if (user.units.includes(unit)) return true;
  if (!isAdmin(user)) return false;
  if (user.counties.includes('*')) return true;
  return user.counties.some((c) => unitsOf(c).includes(unit));
}

/** What of a grant the granter does not hold: [{field, reason}], empty when they may grant it all. */
export function grantProblems(granter: User, grant: Grant, unitsOf: (countyId: string) => string[]): Array<{ field: string; reason: string }> {
  const out: Array<{ field: string; reason: string }> = [];
  if (!isAdmin(granter)) return [{ field: 'roles', reason: 'only an administrator manages users' }];
  if (!granter.counties.includes('*')) {
    grant.counties.forEach((c, i) => {
      if (c === '*') out.push({ field: `counties[${i}]`, reason: 'every county ("*") is not yours to grant: you administer only ' + granter.counties.join(', ') });
      else if (!granter.counties.includes(c)) out.push({ field: `counties[${i}]`, reason: `"${c}" is not a county you administer` });
    });
  }
  grant.roles.forEach((r, i) => {
    // The installation administrator is where every grant starts (pii-reader included, which they do not use themselves).
    if (!hasRole(granter, r) && !isInstallationAdmin(granter)) out.push({ field: `roles[${i}]`, reason: `you do not hold the role "${r}", so you cannot grant it` });
  });
  grant.units.forEach((u, i) => {
    if (!holdsUnit(granter, u, unitsOf)) out.push({ field: `units[${i}]`, reason: `"${u}" is not a unit of your counties` });
  });
  return out;
}

/** Throws 403 naming each field the granter does not hold. */
export function assertMayGrant(granter: User, grant: Grant, unitsOf: (countyId: string) => string[], what = 'grant this'): void {
  const problems = grantProblems(granter, grant, unitsOf);
  if (problems.length) throw new ForbiddenError(`You cannot ${what}: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`, problems);
}
