/**
 * Users and their bearer tokens: the users table's only writer. Only the sha256 of a token is stored; a
 * token is shown once, when the user is created.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { UserRow } from '../db/tables';
import { ConflictError, UnauthorizedError, ValidationError } from '../errors';
import type { User } from './access';

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

export class Users {
  private readonly cache = new Map<string, { user: User; until: number }>();

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
  ) {}

  /** The user of an `Authorization: Bearer <token>` header. */
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
  async create(input: NewUser, now: Date = this.clock.now()): Promise<{ user: User; token: string }> {
    if (!input?.id || !/^[\w.@-]{1,100}$/.test(input.id)) throw new ValidationError('id must be 1–100 letters, digits or _ . @ -', { field: 'id' });
    for (const f of ['roles', 'counties', 'units'] as const) {
      const v = input[f];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw new ValidationError(`${f} must be a list of strings`, { field: f });
    }
    const token = input.token ?? `hcp_${randomBytes(24).toString('base64url')}`;
    const user: User = { id: input.id, name: input.name ?? input.id, roles: input.roles ?? ['staff'], counties: input.counties ?? [], units: input.units ?? [] };
    const exists = await this.knex('users').where({ id: user.id }).first('id');
    if (exists) throw new ConflictError(`User ${user.id} exists already`, { field: 'id', reason: 'is taken' });
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

  async count(): Promise<number> {
    const r = await this.knex('users').count<{ count: string | number }[]>('id as count');
    return Number(r[0].count);
  }
}
