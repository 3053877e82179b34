import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { User } from '../auth/auth.service';
import type { Core } from '../core';
import { ValidationError } from '../errors';

export const CORE = Symbol('CORE');

const PUBLIC = 'hcp:public';
/** Marks a route that needs no token (health, docs). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Every call carries Authorization: Bearer <token>; the user it maps to is put on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(CORE) private readonly core: Core,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest();
    req.user = await this.core.auth.authenticate(req.headers.authorization);
    return true;
  }
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): User => ctx.switchToHttp().getRequest().user);

/** Query-string helpers that answer 400 naming the parameter. */
export function intParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ValidationError(`${name} must be a whole number ≥ 0`, { field: name });
  return n;
}

export function boolParam(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ValidationError(`${name} must be true or false`, { field: name });
}

export function strParam(value: unknown, name: string, max = 200): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw new ValidationError(`${name} must be a text of at most ${max} characters`, { field: name });
  return value;
}
