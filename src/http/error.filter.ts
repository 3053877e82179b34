/**
 * The one place where errors become HTTP answers: {"error": code, "message": text for a person,
 * "details": [{field, reason}]}. Domain errors carry their code (and so their status, src/errors.ts);
 * anything unexpected is logged and answered 500 without internals.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ConfigError, DomainError } from '../errors';

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
};

/**
 * Under /engine-rest the answer also has Camunda's shape ({type, message}), which its clients read, and a
 * refused diagram is 400 as Camunda answers it (the message starts ENGINE-09005 for Camunda Modeler).
 */
function camunda(status: number, body: { error: string; message: string; details?: unknown }) {
  const type =
    body.error === 'deployment_rejected'
      ? 'ParseException'
      : status === 401
        ? 'AuthenticationException'
        : status === 403
          ? 'AuthorizationException'
          : status >= 500
            ? 'ProcessEngineException'
            : status === 409
              ? 'RestException'
              : 'InvalidRequestException';
  return { status: body.error === 'deployment_rejected' ? 400 : status, body: { type, ...body } };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse();
    let { status, body } = this.map(err);
    if (status >= 500) this.logger.error(`${(err as Error)?.stack ?? err}`);
    if (String(host.switchToHttp().getRequest()?.url ?? '').startsWith('/engine-rest/')) ({ status, body } = camunda(status, body));
    reply.status(status).send(body);
  }

  private map(err: unknown): { status: number; body: { error: string; message: string; details?: unknown } } {
    if (err instanceof DomainError) {
      return { status: err.status, body: { error: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const r = err.getResponse() as { message?: unknown } | string;
      const message = typeof r === 'string' ? r : Array.isArray(r.message) ? r.message.join('; ') : String(r.message ?? err.message);
      return { status, body: { error: HTTP_CODES[status] ?? `http_${status}`, message } };
    }
    // Errors raised by fastify itself (bad JSON, body too large, wrong content type) carry statusCode.
    const e = err as { statusCode?: number; message?: string; code?: string };
    if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return { status: e.statusCode, body: { error: HTTP_CODES[e.statusCode] ?? 'bad_request', message: e.message ?? 'Bad request' } };
    }
    if (err instanceof ConfigError) return { status: 500, body: { error: 'configuration', message: err.message } };
    return { status: 500, body: { error: 'internal', message: 'Something went wrong on the server; it was logged.' } };
  }
}
