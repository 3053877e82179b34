/**
 * Entry point: `npm start`. Embedded PGlite in ./data unless DATABASE_URL is set.
 * config → core → http → scheduler → signals.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from './config';
import { createCore } from './core';
import { DataDirLockedError } from './db/database';
import { ConfigError } from './errors';
import { createApp } from './http/create-app';

async function main() {
  const logger = new Logger('hcp');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  let core;
  try {
    core = await createCore(config, new Logger('engine'));
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      console.error(err.message);
      process.exit(3);
    }
    console.error(`Start-up failed: ${(err as Error).message}`);
    process.exit(1);
  }
  const levels = (['error', 'warn', 'log', 'debug'] as const).slice(0, ['error', 'warn', 'log', 'debug'].indexOf(config.logLevel) + 1);
  const app = await createApp(core, { logger: [...levels] });
  await app.listen(config.port, config.host);
  if (config.schedulerEnabled) core.scheduler.start();
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  const lines = [
    '',
    `  政务服务“好差评” workflow server is up: ${url}`,
    `  API docs:  ${url}/docs      health: ${url}/health      pages: ${url}/ui`,
    `  database:  ${core.db.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
    `  counties:  ${core.tenants.list().map((t) => `${t.id} (${t.name})`).join(', ')}`,
  ];
  if (core.bootstrapToken) {
    lines.push(`  administrator token (shown once, keep it): ${core.bootstrapToken}`);
    lines.push(`  try: curl -H "Authorization: Bearer ${core.bootstrapToken}" ${url}/api/v1/definitions`);
  } else {
    lines.push('  sign in with the administrator token printed at first start (or ADMIN_TOKEN)');
  }
  console.log(lines.join('\n') + '\n');
  const shutdown = async (sig: string) => {
    logger.log(`${sig}: stopping`);
    await app.close();
    await core.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
