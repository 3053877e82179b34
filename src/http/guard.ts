/**
 * Every call carries Authorization: Bearer <token> (under /engine-rest also Basic <user id>:<token>, as
 * Camunda clients send it); the guard puts the user it maps to on the request, and checks what a route
 * declares with @Act: a row of the access table (src/auth/access.ts: its roles, and for installation-wide
 * acts, every county). County checks,
 * which depend on the object asked for, are made by the services.
 */
import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Act as AccessAct, User, assertMay } from '../auth/access';
import { Users } from '../auth/users';
import { Metrics } from '../metrics';
import { UnauthorizedError } from '../errors';

const PUBLIC = 'hcp:public';
const ACT = 'hcp:act';
const SCRAPE = 'hcp:metrics-scrape';

/** Marks a route that needs no token (health, docs). */
export const Public = () => SetMetadata(PUBLIC, true);

/** GET /metrics: METRICS_TOKEN opens it too (that token opens nothing else). */
export const MetricsScrape = () => SetMetadata(SCRAPE, true);

/** The act of the access table a route performs. */
export const Act = (act: AccessAct) => SetMetadata(ACT, act);

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly users: Users,
    private readonly reflector: Reflector,
    private readonly metrics: Metrics,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest();
    if (this.reflector.getAllAndOverride<boolean>(SCRAPE, targets) && this.metrics.acceptsScrapeToken(req.headers.authorization)) return true;
    const user: User = await this.authenticate(req.headers.authorization, String(req.url ?? ''));
    req.user = user;
    const act = this.reflector.getAllAndOverride<AccessAct | undefined>(ACT, targets);
    if (act) assertMay(user, act);
    return true;
  }

  /** Camunda clients (Camunda Modeler, task clients, workers) send Basic credentials: the user id and the token as password. */
  private async authenticate(header: string | undefined, url: string): Promise<User> {
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
    if (!basic || !url.startsWith('/engine-rest/')) return this.users.authenticate(header);
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [id, token] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (!token || /\s/.test(token)) throw new UnauthorizedError('Basic credentials are your user id and your token as the password');
    const user = await this.users.authenticate(`Bearer ${token}`);
    if (user.id !== id) throw new UnauthorizedError('The user name does not go with this token');
    return user;
  }
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): User => ctx.switchToHttp().getRequest().user);
