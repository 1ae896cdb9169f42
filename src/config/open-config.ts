// Where the config lives: config.json (file mode, SQLite), or the database every instance shares (PostgreSQL
// mode, CONFIG_PATH imported once). Throws when it cannot be opened; main.ts turns that into one line.
import type { Stores } from '../store/stores.js';
import type { AppConfig } from './types.js';
import { FileConfigStore, type ConfigStore } from './store.js';
import { SharedConfigStore } from './shared-store.js';

export async function openConfig(path: string, stores: Pick<Stores, 'config'>, defaults: () => AppConfig, onError: (message: string) => void): Promise<ConfigStore> {
  if (stores.config) return SharedConfigStore.open(stores.config, path, defaults, onError);
  return new FileConfigStore(path, defaults, onError);
}
