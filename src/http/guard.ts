/**
 * Every call carries Authorization: Bearer <token>; the guard puts the user it maps to on the request,
 * and checks the roles a route declares with @Roles (an administrator always passes). County checks,
 * which depend on the object asked for, are made by the services.
 */
import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { User, assertRole } from '../auth/access';
import { Users } from '../auth/users';

const PUBLIC = 'hcp:public';
const ROLES = 'hcp:roles';

/** Marks a route that needs no token (health, docs). */
export const Public = () => SetMetadata(PUBLIC, true);

/** The roles a route needs (any one of them). */
export const Roles = (...roles: string[]) => SetMetadata(ROLES, roles);

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly users: Users,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest();
    const user: User = await this.users.authenticate(req.headers.authorization);
    req.user = user;
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES, targets);
    if (roles?.length) assertRole(user, ...roles);
    return true;
  }
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): User => ctx.switchToHttp().getRequest().user);
