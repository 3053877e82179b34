import * as fs from 'node:fs';
import * as path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { migrations } from '../../migrations';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  knex: Knex;
  kind: DatabaseKind;
  /** Runs pending migrations. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export class DataDirLockedError extends Error {}

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

/**
 * PGlite takes no lock on its folder and two processes on one folder corrupt it, so the folder is
 * locked with a pid file. A lock left by a dead process is taken over.
 */
function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lockFile = path.join(dir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lockFile, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new DataDirLockedError(
          `The data folder ${dir} is in use by process ${pid}. Stop that server, or start this one with another DATA_DIR, or use PostgreSQL (DATABASE_URL).`,
        );
      }
      if (pid === process.pid) {
        throw new DataDirLockedError(`The data folder ${dir} is already open in this process.`);
      }
      fs.unlinkSync(lockFile); // stale lock of a dead process
    }
  }
  throw new DataDirLockedError(`Could not lock the data folder ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; poolMax?: number }): Promise<Database> {
  if (opts.databaseUrl) {
    const knex = knexFactory({
      client: 'pg',
      connection: opts.databaseUrl,
      pool: { min: 0, max: opts.poolMax ?? 10 },
    });
    return wrap(knex, 'postgres', async () => undefined);
  }
  const unlock = lockDataDir(opts.dataDir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = new PGlite(path.join(opts.dataDir, 'pgdata'));
    await pglite.waitReady;
    // knex-pglite is CommonJS and exports the client class.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ClientPGLite = require('knex-pglite');
    const knex = knexFactory({ client: ClientPGLite, connection: { pglite } as never });
    return wrap(knex, 'pglite', async () => unlock());
  } catch (err) {
    unlock();
    throw err;
  }
}

function wrap(knex: Knex, kind: DatabaseKind, after: () => Promise<void>): Database {
  let closed = false;
  return {
    knex,
    kind,
    async migrate() {
      const [, log] = await knex.migrate.latest({ migrationSource });
      return log as string[];
    },
    async close() {
      if (closed) return;
      closed = true;
      await knex.destroy();
      await after();
    },
  };
}

/** Rolls every migration back (used by the migration test). */
export async function rollbackAll(db: Database): Promise<void> {
  await db.knex.migrate.rollback({ migrationSource }, true);
}
