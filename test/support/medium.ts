/**
 * The medium layer: the application's services on a real database (PGlite in a temp folder, or a
 * database of its own on PostgreSQL), without HTTP. For tests of a service or of the engine host that
 * need storage but not the web layer.
 */
import * as path from 'node:path';
import type { User } from '../../src/auth/access';
import { AppConfig, loadConfig } from '../../src/config';
import { Core, CoreOptions, createCore } from '../../src/core';
import { silentLogger } from '../../src/log';
import { FIXTURES, TEST_PII_KEY, TestStore, createStore } from './harness';

export async function startCore(store: TestStore, overrides: Partial<AppConfig> = {}, options: CoreOptions = {}): Promise<Core> {
  const config = loadConfig(
    // ENGINE_CACHE_SIZE=0 in the environment runs the whole suite with every step rebuilt from the database.
    { CLOCK_CONTROL: 'true', ENGINE_CACHE_SIZE: process.env.ENGINE_CACHE_SIZE },
    {
      dataDir: store.dataDir,
      databaseUrl: store.databaseUrl,
      processesDir: path.join(FIXTURES, 'processes'),
      templatesDir: path.join(FIXTURES, 'templates'),
      schedulerEnabled: false,
      piiKey: store.databaseUrl ? TEST_PII_KEY : undefined,
      ...overrides,
    },
  );
  return createCore(config, silentLogger, options);
}

/** One core for a whole test file: `let core: Core; useCore((c) => (core = c));` */
export function useCore(bind: (core: Core) => void, overrides: Partial<AppConfig> = {}, options: CoreOptions = {}): void {
  let store: TestStore | undefined;
  let core: Core | undefined;
  beforeAll(async () => {
    store = await createStore();
    core = await startCore(store, overrides, options);
    bind(core);
  });
  afterAll(async () => {
    await core?.close();
    await store?.drop();
  });
}

/** A user as the guard would put it on a request. */
export function asUser(over: Partial<User> & { id: string }): User {
  return { name: over.id, roles: [], counties: ['*'], units: [], ...over };
}
