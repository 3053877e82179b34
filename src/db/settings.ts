/** The settings table (small key/value facts of the installation): its only writer. */
import type { Knex } from 'knex';
import type { ClockStore } from '../clock';

export async function readSetting<T = Record<string, unknown>>(db: Knex | Knex.Transaction, key: string): Promise<T | undefined> {
  const row = await db('settings').where({ key }).first('value');
  return row?.value as T | undefined;
}

export async function writeSetting(db: Knex | Knex.Transaction, key: string, value: Record<string, unknown>): Promise<void> {
  await db('settings').insert({ key, value: JSON.stringify(value) }).onConflict('key').merge();
}

/** Writes the value only when the key is absent; answers the value in force. */
export async function settleSetting<T = Record<string, unknown>>(db: Knex | Knex.Transaction, key: string, value: Record<string, unknown>): Promise<T> {
  await db('settings').insert({ key, value: JSON.stringify(value) }).onConflict('key').ignore();
  return (await readSetting<T>(db, key))!;
}

/** Simulated time kept under the key `clock` (see src/clock.ts). */
export function clockStore(db: Knex): ClockStore {
  return {
    async read() {
      const v = await readSetting<{ now?: string }>(db, 'clock');
      return v?.now ? new Date(v.now) : undefined;
    },
    async write(now) {
      await writeSetting(db, 'clock', { now: now.toISOString() });
    },
  };
}
