/**
 * Who may see and do what. A user has roles (admin, process-admin, staff, auditor, intake, pii-reader,
 * and the candidate groups they belong to, e.g. 处理中心), the counties they may see (["*"] for all) and
 * the units (部门) they work in. Another county's objects answer 404, not 403: their existence is not
 * disclosed.
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

export const SYSTEM_ROLES = ['admin', 'process-admin', 'staff', 'auditor'] as const;

export function isAdmin(user: User): boolean {
  return user.roles.includes('admin');
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

/** One of the roles (an administrator always passes). */
export function assertRole(user: User, ...roles: string[]): void {
  if (isAdmin(user)) return;
  if (!roles.some((r) => user.roles.includes(r))) throw new ForbiddenError(`This needs the role ${roles.join(' or ')}`);
}

/** The county of a path, visible to the user, with one of the roles when given. */
export function countyFor(tenants: TenantRegistry, user: User, countyId: string, ...roles: string[]): Tenant {
  const tenant = tenants.get(countyId);
  if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
  assertCounty(user, countyId);
  if (roles.length) assertRole(user, ...roles);
  return tenant;
}

/** May the user act on (claim, complete) a task? Admins, the assignee, candidate users, members of a candidate group; anyone of the county when the task names nobody. */
export function mayActOnTask(user: User, task: { assignee: string | null; candidate_users: string[]; candidate_groups: string[] }): boolean {
  if (isAdmin(user)) return true;
  if (task.assignee === user.id) return true;
  if (task.candidate_users.includes(user.id)) return true;
  if (task.candidate_groups.some((g) => user.roles.includes(g) || user.units.includes(g))) return true;
  return !task.assignee && !task.candidate_users.length && !task.candidate_groups.length;
}
