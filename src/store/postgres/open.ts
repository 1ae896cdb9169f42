// PostgreSQL backend entry point (DATABASE_URL). Built on branch h11-postgres against the interfaces in
// ../stores.ts; until then selecting it is a clear startup error.
import type { StoreSettings, Stores } from '../stores.js';

export async function openPostgresStores(_settings: StoreSettings): Promise<Stores> {
  throw new Error('the PostgreSQL backend is not available in this build (unset DATABASE_URL to use SQLite)');
}
