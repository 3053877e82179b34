/** Builds the Nest application on fastify around the core's services. Used by main.ts and by the API tests. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import * as path from 'node:path';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { AppModule, AppServices } from './app.module';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { MAX_DIAGRAM_BYTES } from '../engine/definitions';
import { Logger, LogFields, requestContext } from '../log';

/** An incoming x-request-id is kept when it is a plain token (it ends up in logs); otherwise a new one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CreateAppOptions {
  /** Nest's own lines: the levels it logs, or a logger service (main.ts: JSON lines). */
  logger?: false | Array<'error' | 'warn' | 'log' | 'debug'> | LoggerService;
  /** One line per request answered (method, route, status, ms, request id; no query, no body). */
  requestLog?: Logger;
}

export async function createApp(core: AppServices, opts: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_DIAGRAM_BYTES * 2,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forServices(core), adapter, { logger: opts.logger ?? ['error', 'warn', 'log'] });
  const fastify = app.getHttpAdapter().getInstance();
  // The request id: echoed in the answer, and carried to every log line the request causes.
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    requestContext.run({ requestId: req.id }, done);
  });
  const requestLog = opts.requestLog;
  if (requestLog) {
    fastify.addHook('onResponse', async (req, reply) => {
      // The route pattern, not the URL: ids and query strings stay out of the log.
      const route = req.routeOptions?.url ?? 'unmatched';
      const fields = { requestId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
      if (reply.statusCode >= 500 && reply.statusCode !== 503) requestLog.error('request', fields);
      else if (reply.statusCode === 503) requestLog.warn('request', fields);
      else requestLog.log('request', fields);
    });
  }
  // Diagrams as XML, and 办件 registers as CSV, arrive as text.
  fastify.addContentTypeParser(['application/xml', 'text/xml', 'application/bpmn+xml', 'text/plain', 'text/csv'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(multipart as never, { limits: { fileSize: MAX_DIAGRAM_BYTES, files: 50 } });
  // Camunda clients (camunda-external-task-client-js) read an answer as JSON only when its type is
  // exactly application/json; fastify would add "; charset=utf-8" (JSON is UTF-8 by definition).
  fastify.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/engine-rest/') && String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('content-type', 'application/json');
    return payload;
  });
  // The bundles of the browser pages (npm run build); src/http/ui.controller.ts serves the pages.
  await app.register(fastifyStatic as never, { root: path.join(path.dirname(core.config.uiDir), 'dist', 'ui', 'assets'), prefix: '/ui/assets/', decorateReply: false });
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('政务服务“好差评”差评办件 workflow API')
      .setDescription('Bad-review cases of government services, run as BPMN per county. Errors: {"error", "message", "details"}.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, doc);
  await app.init();
  return app;
}

/** Nest's own lines (start-up, routes mapped, errors) as the same JSON lines as the rest (main.ts). */
export function nestJsonLogger(logger: Logger & { debug?: Logger["log"] }): LoggerService {
  const text = (m: unknown) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m));
  const ctx = (rest: unknown[]) => {
    const c = rest[rest.length - 1];
    return (typeof c === "string" ? { component: c } : {}) as LogFields;
  };
  return {
    log: (m, ...rest) => logger.log(text(m), ctx(rest)),
    warn: (m, ...rest) => logger.warn(text(m), ctx(rest)),
    error: (m, ...rest) => logger.error(text(m), ctx(rest)),
    debug: (m, ...rest) => logger.debug?.(text(m), ctx(rest)),
    verbose: () => undefined,
  };
}
