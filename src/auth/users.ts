/**
 * Users and their bearer tokens: the users table's only writer. Only the sha256 of a token is stored; a
 * token is shown once, when it is issued (the user created, or the token rotated).
 *
 * A token expires TOKEN_TTL_DAYS after it was issued (wall time: it is a matter of security, not of the
 * simulated clock of the domain). A disabled user is refused whatever their token. Administrators
 * manage users within what they hold (src/auth/access.ts): no one grants a role, county or unit they do
 * not hold themselves.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { UserRow } from '../db/tables';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../errors';
import type { TenantRegistry } from '../tenants';
import { Grant, User, assertMay, assertMayGrant, canSeeCounty } from './access';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewUser {
  id: string;
  name?: string;
  roles?: string[];
  counties?: string[];
  units?: string[];
  token?: string;
}

export interface UsersOptions {
  /** Lifetime of a token from when it is issued. */
  tokenTtlMs: number;
  /** Wall time (tokens expire in real time; tests inject it). */
  wallNow?: () => Date;
  /** How long one process trusts a token it looked up (another process's disable or rotation shows after at most this). */
  cacheMs?: number;
}

/** A user as administrators see it (never the token or its hash). */
export interface UserView extends User {
  disabled: boolean;
  disabledAt: Date | null;
  disabledBy: string | null;
  tokenIssuedAt: Date | null;
  tokenExpiresAt: Date;
  createdAt: Date;
  createdBy: string | null;
}

const USER_FIELDS = ['id', 'name', 'roles', 'counties', 'units', 'token'];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const TOKEN_RE = /^[\x21-\x7e]{16,200}$/;

export class Users {
  private readonly cache = new Map<string, { user: User; until: number; expiresAt: number }>();
  private readonly wallNow: () => Date;
  private readonly cacheMs: number;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly tenants: TenantRegistry,
    private readonly opts: UsersOptions,
  ) {
    this.wallNow = opts.wallNow ?? (() => new Date());
    this.cacheMs = opts.cacheMs ?? 5000;
  }

  /** The user of an `Authorization: Bearer <token>` header. */
  async authenticate(header: string | undefined): Promise<User> {
    const m = /^Bearer\s+(\S{1,500})$/i.exec(header ?? '');
    if (!m) throw new UnauthorizedError();
    const hash = hashToken(m[1]);
    const wall = this.wallNow().getTime();
    const hit = this.cache.get(hash);
    if (hit && hit.until > wall && hit.expiresAt > wall) return hit.user;
    this.cache.delete(hash);
    const row = await this.knex<UserRow>('users').where({ token_hash: hash }).first();
    if (!row) throw new UnauthorizedError('The bearer token is not valid');
    if (row.disabled_at) throw new UnauthorizedError('This user is disabled; ask an administrator');
    const expiresAt = new Date(row.token_expires_at).getTime();
    if (expiresAt <= wall) {
      throw new UnauthorizedError(`The bearer token expired at ${new Date(expiresAt).toISOString()}; ask an administrator for a new one (POST /api/v1/admin/users/${row.id}/token)`);
    }
    const user: User = { id: row.id, name: row.name, roles: row.roles, counties: row.counties, units: row.units };
    this.cache.set(hash, { user, until: wall + this.cacheMs, expiresAt });
    return user;
  }

  /** Creates a user and returns its token (shown once). Unchecked: the caller (boot, tests, createAs) decides who may. */
  async create(input: NewUser, now: Date = this.clock.now(), createdBy = 'startup'): Promise<{ user: User; token: string; tokenExpiresAt: Date }> {
    const checked = this.check(input);
    const token = checked.token ?? newToken();
    const exists = await this.knex('users').where({ id: checked.user.id }).first('id');
    if (exists) throw new ConflictError(`User ${checked.user.id} exists already`, { field: 'id', reason: 'is taken' });
    await this.assertTokenFree(token);
    const tokenExpiresAt = this.expiry();
    const user = checked.user;
    try {
      await this.knex('users').insert({
        id: user.id,
        name: user.name,
        token_hash: hashToken(token),
        roles: JSON.stringify(user.roles),
        counties: JSON.stringify(user.counties),
        units: JSON.stringify(user.units),
        created_at: now,
        created_by: createdBy,
        token_issued_at: this.wallNow(),
        token_expires_at: tokenExpiresAt,
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ConflictError(`User ${user.id} or its token exists already`, { field: 'id', reason: 'is taken' });
      throw err;
    }
    return { user, token, tokenExpiresAt };
  }

  /** POST /admin/users: an administrator creates a user within what they hold. */
  async createAs(granter: User, body: unknown): Promise<{ user: User; token: string; tokenExpiresAt: Date }> {
    assertMay(granter, 'users.manage');
    const checked = this.check(body);
    assertMayGrant(granter, checked.user, (c) => this.unitsOf(c), 'create this user');
    return this.create(body as NewUser, this.clock.now(), granter.id);
  }

  /** The users an administrator manages: those whose every county is theirs. */
  async list(granter: User): Promise<UserView[]> {
    assertMay(granter, 'users.manage');
    const rows: UserRow[] = await this.knex<UserRow>('users').orderBy('id');
    return rows.filter((r) => this.manages(granter, r)).map(view);
  }

  async get(granter: User, id: string): Promise<UserView> {
    return view(await this.managed(granter, id));
  }

  /** Disables a user: every token of theirs is refused from now on (within cacheMs on other processes). */
  async disable(granter: User, id: string): Promise<UserView> {
    const row = await this.managed(granter, id);
    if (row.id === granter.id) throw new ConflictError('You cannot disable yourself', { field: 'id', reason: 'is you' });
    if (!row.disabled_at) await this.knex('users').where({ id }).update({ disabled_at: this.wallNow(), disabled_by: granter.id });
    this.forget(id);
    return view((await this.knex<UserRow>('users').where({ id }).first())!);
  }

  async enable(granter: User, id: string): Promise<UserView> {
    const row = await this.managed(granter, id);
    if (row.disabled_at) await this.knex('users').where({ id }).update({ disabled_at: null, disabled_by: null });
    return view((await this.knex<UserRow>('users').where({ id }).first())!);
  }

  /** A new token for a user (the old one stops working at once); shown once. */
  async rotate(granter: User, id: string): Promise<{ id: string; token: string; tokenExpiresAt: Date }> {
    await this.managed(granter, id);
    return this.issue(id);
  }

  /** A new token for oneself, e.g. before the current one expires. */
  async rotateOwn(user: User): Promise<{ id: string; token: string; tokenExpiresAt: Date }> {
    return this.issue(user.id);
  }

  /**
   * ADMIN_TOKEN at start: the user `admin` (an administrator of every county) signs in with it, created
   * when missing, re-enabled and given a fresh lifetime otherwise. The way back in when every
   * administrator token expired, for whoever controls the server's environment.
   */
  async ensureAdmin(token: string, now: Date): Promise<void> {
    const row = await this.knex<UserRow>('users').where({ id: 'admin' }).first();
    if (!row) {
      const holder = await this.knex<UserRow>('users').where({ token_hash: hashToken(token) }).first('id');
      if (holder) return; // the token belongs to someone else already: leave it be
      await this.create({ id: 'admin', name: 'Administrator', roles: ['admin'], counties: ['*'], token }, now);
      return;
    }
    await this.knex('users')
      .where({ id: 'admin' })
      .update({ token_hash: hashToken(token), token_issued_at: this.wallNow(), token_expires_at: this.expiry(), disabled_at: null, disabled_by: null, roles: JSON.stringify(Array.from(new Set([...row.roles, 'admin']))), counties: JSON.stringify(['*']) });
    this.cache.clear();
  }

  async count(): Promise<number> {
    const r = await this.knex('users').count<{ count: string | number }[]>('id as count');
    return Number(r[0].count);
  }

  private async issue(id: string): Promise<{ id: string; token: string; tokenExpiresAt: Date }> {
    const token = newToken();
    const tokenExpiresAt = this.expiry();
    await this.knex('users').where({ id }).update({ token_hash: hashToken(token), token_issued_at: this.wallNow(), token_expires_at: tokenExpiresAt });
    this.forget(id);
    return { id, token, tokenExpiresAt };
  }

  private expiry(): Date {
    return new Date(this.wallNow().getTime() + this.opts.tokenTtlMs);
  }

  private forget(userId: string): void {
    for (const [hash, entry] of this.cache) if (entry.user.id === userId) this.cache.delete(hash);
  }

  private unitsOf(countyId: string): string[] {
    return this.tenants.get(countyId)?.units.map((u) => u.id) ?? [];
  }

  /** An administrator manages a user they could have created: every county and role of the user is theirs. */
  private manages(granter: User, row: Pick<UserRow, 'roles' | 'counties' | 'units'>): boolean {
    if (!granter.counties.includes('*') && (row.counties.includes('*') || !row.counties.every((c) => canSeeCounty(granter, c)))) return false;
    try {
      assertMayGrant(granter, { roles: row.roles, counties: row.counties, units: row.units }, (c) => this.unitsOf(c));
      return true;
    } catch {
      return false;
    }
  }

  /** The row of a user the granter manages; 404 otherwise (another county's users are not disclosed). */
  private async managed(granter: User, id: string): Promise<UserRow> {
    assertMay(granter, 'users.manage');
    const row = typeof id === 'string' && id.length <= 100 ? await this.knex<UserRow>('users').where({ id }).first() : undefined;
    if (!row || !this.manages(granter, row)) throw new NotFoundError(`No user ${id} that you manage`);
    return row;
  }

  private async assertTokenFree(token: string): Promise<void> {
    if (await this.knex('users').where({ token_hash: hashToken(token) }).first('id')) throw new ConflictError('This token is in use; choose another or leave it out', { field: 'token', reason: 'is in use' });
  }

  /** Checks the body of a new user, naming each bad field. */
  private check(input: unknown): { user: User & Grant; token?: string } {
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ValidationError('send a JSON object {id, name, roles, counties, units}', { field: 'body', reason: 'must be a JSON object' });
    const b = input as Record<string, unknown>;
    const errors: Array<{ field: string; reason: string }> = [];
    for (const k of Object.keys(b)) if (!USER_FIELDS.includes(k)) errors.push({ field: k, reason: 'is not a field of a user' });
    if (typeof b.id !== 'string' || !/^[\w.@-]{1,100}$/.test(b.id)) errors.push({ field: 'id', reason: 'must be 1–100 letters, digits or _ . @ -' });
    if (b.name !== undefined && (typeof b.name !== 'string' || !b.name.trim() || b.name.length > 100 || CONTROL.test(b.name))) errors.push({ field: 'name', reason: 'must be a text of 1–100 characters without control characters' });
    const lists: Record<string, string[]> = {};
    for (const f of ['roles', 'counties', 'units'] as const) {
      const v = b[f];
      if (v === undefined) continue;
      if (!Array.isArray(v) || v.length > 50) {
        errors.push({ field: f, reason: 'must be a list of at most 50 texts' });
        continue;
      }
      v.forEach((x, i) => {
        if (typeof x !== 'string' || !x || x.length > 64 || CONTROL.test(x)) errors.push({ field: `${f}[${i}]`, reason: 'must be a text of 1–64 characters without control characters' });
        else if (f === 'counties' && x !== '*' && !this.tenants.get(x)) errors.push({ field: `${f}[${i}]`, reason: `"${x}" is not a county of this installation` });
      });
      lists[f] = v as string[];
    }
    if (b.token !== undefined && (typeof b.token !== 'string' || !TOKEN_RE.test(b.token))) errors.push({ field: 'token', reason: 'must be a text of 16–200 printable characters without spaces (or left out: one is made)' });
    if (errors.length) throw new ValidationError(`The user is not valid: ${errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`, errors);
    const id = b.id as string;
    return {
      user: { id, name: (b.name as string | undefined)?.trim() ?? id, roles: lists.roles ?? ['staff'], counties: lists.counties ?? [], units: lists.units ?? [] },
      token: b.token as string | undefined,
    };
  }
}

function newToken(): string {
  return `hcp_${randomBytes(24).toString('base64url')}`;
}

function view(r: UserRow): UserView {
  return {
    id: r.id,
    name: r.name,
    roles: r.roles,
    counties: r.counties,
    units: r.units,
    disabled: Boolean(r.disabled_at),
    disabledAt: r.disabled_at,
    disabledBy: r.disabled_by,
    tokenIssuedAt: r.token_issued_at,
    tokenExpiresAt: r.token_expires_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}
