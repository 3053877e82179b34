/** Builds the Nest application on fastify around the core's services. Used by main.ts and by the API tests. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import * as path from 'node:path';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { AppModule, AppServices } from './app.module';
import { MAX_DIAGRAM_BYTES } from '../engine/definitions';

export async function createApp(core: AppServices, opts: { logger?: false | Array<'error' | 'warn' | 'log' | 'debug'> } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: MAX_DIAGRAM_BYTES * 2 });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forServices(core), adapter, { logger: opts.logger ?? ['error', 'warn', 'log'] });
  const fastify = app.getHttpAdapter().getInstance();
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
