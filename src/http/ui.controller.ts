/**
 * The browser pages: an HTML shell per page (ui/pages/<page>.html) whose script, bundled at build time
 * from node_modules (ui/build.mjs), is served from /ui/assets/. A page signs in with a token and calls the
 * API like any client; the shells themselves are public and hold no data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '../errors';
import { Public } from './guard';

export const UI_DIR = Symbol('UI_DIR');

@ApiExcludeController()
@Public()
@Controller('ui')
export class UiController {
  constructor(@Inject(UI_DIR) private readonly uiDir: string) {}

  @Get()
  home(@Res() reply: FastifyReply) {
    return this.page('home', reply);
  }

  @Get(':page')
  one(@Param('page') page: string, @Res() reply: FastifyReply) {
    return this.page(page, reply);
  }

  /** /ui/instances/{id} and the like: the page reads the rest of the path itself. */
  @Get(':page/*')
  deep(@Param('page') page: string, @Res() reply: FastifyReply) {
    return this.page(page, reply);
  }

  private page(name: string, reply: FastifyReply) {
    const file = /^[a-z][a-z-]{0,40}$/.test(name) ? path.join(this.uiDir, 'pages', `${name}.html`) : undefined;
    if (!file || !fs.existsSync(file)) throw new NotFoundError(`No page /ui/${name}`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(fs.readFileSync(file));
  }
}
