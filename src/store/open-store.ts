// The one factory: DATABASE_URL selects PostgreSQL, otherwise SQLite at DATABASE_PATH. main.ts and the tests
// open storage only through here.
import type { StoreSettings, StoreWarning, Stores } from './stores.js';

export async function openStore(settings: StoreSettings, warn?: StoreWarning): Promise<Stores> {
  if (settings.databaseUrl) {
    const { openPostgresStores } = await import('./postgres/open.js');
    return openPostgresStores(settings);
  }
  const { openSqliteStores } = await import('./sqlite/open.js');
  return openSqliteStores(settings.databasePath, { walMaxBytes: settings.walMaxBytes, warn });
}
