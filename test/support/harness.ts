/**
 * Test harness: a real database (embedded PGlite in a temp folder, or a fresh PostgreSQL database when
 * TEST_DATABASE_URL is set), the real engine, and the real HTTP server on a random port.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, loadConfig } from '../../src/config';
import { Core, CoreOptions, createCore } from '../../src/core';
import { createApp } from '../../src/http/create-app';
import { openDatabase } from '../../src/db/database';

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
export const ADMIN_TOKEN = 'test-admin-token';
/** PII key of PostgreSQL runs (embedded runs generate <dataDir>/pii.key); fixed, so a restarted app reads its data. */
export const TEST_PII_KEY = Buffer.alloc(32, 7).toString('base64');

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** A place for one test's data: a temp folder, and with PostgreSQL a database of its own. */
export interface TestStore {
  dataDir: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

/**
 * A store whose database is already migrated (copied from a template made once per schema: a PGlite
 * folder, or a PostgreSQL template database), because migrating from nothing is most of what starting an
 * application costs. `fresh: true` gives an empty database (the migration test).
 */
export async function createStore(opts: { fresh?: boolean } = {}): Promise<TestStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-test-'));
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    if (!opts.fresh) fs.cpSync(path.join(await pgliteTemplate(), 'pgdata'), path.join(dataDir, 'pgdata'), { recursive: true });
    return { dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const template = opts.fresh ? undefined : await postgresTemplate(base);
  const name = `hcp_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.destroy();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      const a = knexFactory({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
      await a.raw(`drop database if exists ${name} with (force)`);
      await a.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The schema's fingerprint: every migration file's name and text. */
function schemaKey(): string {
  const dir = path.resolve(__dirname, '..', '..', 'migrations');
  const h = createHash('sha256');
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 16);
}

/** A migrated PGlite folder to copy, made by the first test file that needs it (an atomic rename: runs side by side share it). */
async function pgliteTemplate(): Promise<string> {
  const dir = path.join(os.tmpdir(), `hcp-pglite-migrated-${schemaKey()}`);
  if (fs.existsSync(path.join(dir, 'pgdata'))) return dir;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-pglite-migrating-'));
  const db = await openDatabase({ dataDir: work });
  try {
    await db.migrate();
  } finally {
    await db.close();
  }
  try {
    fs.renameSync(work, dir);
  } catch {
    fs.rmSync(work, { recursive: true, force: true }); // another run made it first
  }
  return dir;
}

/** A migrated PostgreSQL database to create test databases from (CREATE DATABASE … TEMPLATE), marked by its comment when ready. */
async function postgresTemplate(base: string): Promise<string> {
  const name = `hcp_tmpl_${schemaKey()}`;
  const admin = knexFactory({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
  const note = async () => (await admin.raw(`select shobj_description(oid, 'pg_database') as note from pg_database where datname = ?`, [name])).rows[0] as { note: string | null } | undefined;
  try {
    const found = await note();
    if (found?.note === 'migrated') return name;
    if (!found) {
      let mine = true;
      await admin.raw(`create database ${name}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // made by another run at the same moment
        mine = false;
      });
      if (mine) {
        const url = new URL(base);
        url.pathname = `/${name}`;
        const db = await openDatabase({ databaseUrl: url.toString(), dataDir: os.tmpdir(), poolMax: 1 });
        try {
          await db.migrate();
        } finally {
          await db.close();
        }
        await admin.raw(`comment on database ${name} is 'migrated'`);
        return name;
      }
    }
    for (let i = 0; i < 240; i++) {
      if ((await note())?.note === 'migrated') return name;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the template database ${name} is not marked migrated after 2 minutes; drop it (drop database ${name}) and run again`);
  } finally {
    await admin.destroy();
  }
}

export interface TestApp {
  core: Core;
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
  api: ApiClient;
}

/** The configuration of a test: the fixture counties, the store's database, the clock under control, no scheduler loop. */
export function testConfig(store: TestStore, overrides: Partial<AppConfig> = {}): AppConfig {
  return loadConfig(
    // ENGINE_CACHE_SIZE=0 in the environment runs the whole suite with every step rebuilt from the database.
    { CLOCK_CONTROL: 'true', ENGINE_CACHE_SIZE: process.env.ENGINE_CACHE_SIZE },
    {
      dataDir: store.dataDir,
      databaseUrl: store.databaseUrl,
      processesDir: path.join(FIXTURES, 'processes'),
      templatesDir: path.join(FIXTURES, 'templates'),
      port: 0,
      schedulerEnabled: false,
      piiKey: store.databaseUrl ? TEST_PII_KEY : undefined,
      ...overrides,
    },
  );
}

export async function startApp(store: TestStore, overrides: Partial<AppConfig> = {}, options: CoreOptions = {}): Promise<TestApp> {
  const config = testConfig(store, overrides);
  const quiet = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
  const core = await createCore(config, quiet, options);
  if (!(await core.db.knex('users').where({ id: 'test-admin' }).first())) {
    await core.users.create({ id: 'test-admin', roles: ['admin'], counties: ['*'], token: ADMIN_TOKEN }, new Date());
  }
  const app = await createApp(core, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  if (config.schedulerEnabled) core.scheduler.start();
  let closed = false;
  return {
    core,
    app,
    url,
    api: client(url, ADMIN_TOKEN),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await core.close();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export type ApiClient = {
  get<T = any>(path: string): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  put<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  as(token: string): ApiClient;
};

export function client(base: string, token?: string): ApiClient {
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      if (typeof body === 'string') payload = body;
      else {
        payload = JSON.stringify(body);
        h['content-type'] = 'application/json';
      }
    }
    const res = await fetch(base + p, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as any };
  };
  return {
    get: (p) => call('GET', p),
    post: (p, b, h) => call('POST', p, b, h),
    put: (p, b) => call('PUT', p, b),
    as: (t) => client(base, t),
  };
}

export function fixture(...parts: string[]): string {
  return fs.readFileSync(path.join(FIXTURES, ...parts), 'utf8');
}

/**
 * One application for a whole test file (beforeAll / afterAll): `let app: TestApp; useApp((a) => (app = a));`
 */
export function useApp(bind: (app: TestApp) => void, overrides: Partial<AppConfig> = {}, options: CoreOptions = {}): void {
  let store: TestStore | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    store = await createStore();
    app = await startApp(store, overrides, options);
    bind(app);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });
}
