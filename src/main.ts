/**
 * Entry point: `npm start`. Embedded PGlite in ./data unless DATABASE_URL is set.
 * config → core → http → scheduler → signals.
 */
import 'reflect-metadata';
import { loadConfig } from './config';
import { createCore } from './core';
import { DataDirLockedError } from './db/database';
import { ConfigError } from './errors';
import { createApp, nestJsonLogger } from './http/create-app';
import { jsonLogger } from './log';

async function main() {
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
  // One JSON object a line (src/log.ts); LOG_LEVEL debug, log (= info), warn or error.
  const minLevel = config.logLevel === 'log' ? 'info' : config.logLevel;
  const logger = jsonLogger({ minLevel });
  let core;
  try {
    core = await createCore(config, logger);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      console.error(err.message);
      process.exit(3);
    }
    console.error(`Start-up failed: ${(err as Error).message}`);
    process.exit(1);
  }
  const app = await createApp(core, { logger: nestJsonLogger(logger), requestLog: logger });
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
