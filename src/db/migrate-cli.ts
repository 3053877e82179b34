/** `npm run migrate`: run pending migrations on DATABASE_URL or the embedded database in DATA_DIR, then exit. */
import { loadConfig } from '../config';
import { openDatabase } from './database';

async function main() {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const done = await db.migrate();
    console.log(done.length ? `applied: ${done.join(', ')}` : 'nothing to apply: the schema is up to date');
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(`migration failed: ${err.message}`);
  process.exit(1);
});
