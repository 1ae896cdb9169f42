// The one factory: DATABASE_URL selects PostgreSQL, otherwise SQLite at DATABASE_PATH. main.ts and the tests
// open storage only through here.
import type { StoreSettings, Stores } from './stores.js';

export async function openStore(settings: StoreSettings): Promise<Stores> {
  if (settings.databaseUrl) {
    const { openPostgresStores } = await import('./postgres/open.js');
    return openPostgresStores(settings);
  }
  const { openSqliteStores } = await import('./sqlite/open.js');
  return openSqliteStores(settings.databasePath);
}
