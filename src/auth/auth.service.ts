/**
 * Bearer tokens. A token maps to one user with roles (admin, process-admin, staff, auditor, and the
 * candidate groups the user belongs to, e.g. 处理中心), the counties the user may see (["*"] for all)
 * and the units (部门) the user works in. Only the sha256 of a token is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { UserRow } from '../database/tables';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors';

export interface User {
  id: string;
  name: string;
  roles: string[];
  counties: string[];
  units: string[];
}

export const SYSTEM_ROLES = ['admin', 'process-admin', 'staff', 'auditor'] as const;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

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

/** 404 rather than 403 for another county's objects: their existence is not disclosed. */
export function assertCounty(user: User, countyId: string, what = 'county'): void {
  if (!canSeeCounty(user, countyId)) throw new NotFoundError(`No ${what} visible to you in "${countyId}"`);
}

export function assertRole(user: User, ...roles: string[]): void {
  if (isAdmin(user)) return;
  if (!roles.some((r) => user.roles.includes(r))) throw new ForbiddenError(`This needs the role ${roles.join(' or ')}`);
}

export class AuthService {
  private readonly cache = new Map<string, { user: User; until: number }>();

  constructor(private readonly knex: Knex) {}

  async authenticate(header: string | undefined): Promise<User> {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) throw new UnauthorizedError();
    const hash = hashToken(m[1]);
    const hit = this.cache.get(hash);
    if (hit && hit.until > Date.now()) return hit.user;
    const row = await this.knex<UserRow>('users').where({ token_hash: hash }).first();
    if (!row) throw new UnauthorizedError('The bearer token is not valid');
    const user: User = { id: row.id, name: row.name, roles: row.roles, counties: row.counties, units: row.units };
    this.cache.set(hash, { user, until: Date.now() + 30_000 });
    return user;
  }

  /** Creates a user and returns its token (shown once). */
  async createUser(input: { id: string; name?: string; roles?: string[]; counties?: string[]; units?: string[]; token?: string }, now: Date): Promise<{ user: User; token: string }> {
    if (!input?.id || !/^[\w.@-]{1,100}$/.test(input.id)) throw new ValidationError('id must be 1–100 letters, digits or _ . @ -', { field: 'id' });
    for (const f of ['roles', 'counties', 'units'] as const) {
      const v = input[f];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw new ValidationError(`${f} must be a list of strings`, { field: f });
    }
    const token = input.token ?? `hcp_${randomBytes(24).toString('base64url')}`;
    const user: User = { id: input.id, name: input.name ?? input.id, roles: input.roles ?? ['staff'], counties: input.counties ?? [], units: input.units ?? [] };
    const exists = await this.knex('users').where({ id: user.id }).first('id');
    if (exists) throw new ConflictError(`User ${user.id} exists already`, { field: 'id' });
    await this.knex('users').insert({
      id: user.id,
      name: user.name,
      token_hash: hashToken(token),
      roles: JSON.stringify(user.roles),
      counties: JSON.stringify(user.counties),
      units: JSON.stringify(user.units),
      created_at: now,
    });
    return { user, token };
  }

  async countUsers(): Promise<number> {
    const r = await this.knex('users').count<{ count: string | number }[]>('id as count');
    return Number(r[0].count);
  }
}
