/**
 * The medium layer: the application's services on a real database (PGlite in a temp folder, or a
 * database of its own on PostgreSQL), without HTTP. For tests of a service or of the engine host that
 * need storage but not the web layer.
 */
import type { User } from '../../src/auth/access';
import type { AppConfig } from '../../src/config';
import { Core, CoreOptions, createCore } from '../../src/core';
import { silentLogger } from '../../src/log';
import { TestStore, createStore, testConfig } from './harness';

export async function startCore(store: TestStore, overrides: Partial<AppConfig> = {}, options: CoreOptions = {}): Promise<Core> {
  return createCore(testConfig(store, overrides), silentLogger, options);
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
