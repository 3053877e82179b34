import { openDatabase, rollbackAll } from '../../src/db/database';
import { createStore, TestStore } from '../support/harness';

describe('migrations', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createStore({ fresh: true });
  });
  afterEach(async () => {
    await store.drop();
  });

  test('up, down and up again; every table and column is commented', async () => {
    const db = await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir });
    try {
      const applied = await db.migrate();
      expect(applied.length).toBeGreaterThan(0);
      expect(await db.migrate()).toEqual([]);
      const uncommented = await db.knex.raw(`
        select c.table_name, c.column_name
          from information_schema.columns c
          join pg_class t on t.relname = c.table_name
          join pg_namespace n on n.oid = t.relnamespace and n.nspname = c.table_schema
         where c.table_schema = current_schema()
           and c.table_name not like 'knex_%'
           and col_description(t.oid, c.ordinal_position) is null`);
      expect(uncommented.rows).toEqual([]);
      const tables = await db.knex.raw(`
        select t.relname from pg_class t join pg_namespace n on n.oid = t.relnamespace
         where n.nspname = current_schema() and t.relkind = 'r' and t.relname not like 'knex_%' and obj_description(t.oid) is null`);
      expect(tables.rows).toEqual([]);
      await rollbackAll(db);
      const left = await db.knex.raw(`select tablename from pg_tables where schemaname = current_schema() and tablename not like 'knex_%'`);
      expect(left.rows).toEqual([]);
      expect((await db.migrate()).length).toBe(applied.length);
    } finally {
      await db.close();
    }
  });
});
