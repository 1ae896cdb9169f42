// Config kept in the database (PostgreSQL mode): every instance serves the same document. CONFIG_PATH is
// imported once, when the database holds none, and never written. A write is a compare-and-set on the
// version, retried on the latest config when another instance got there first, so concurrent writes on
// different instances are serialized and none is lost; every instance hears of it through ConfigRecords.watch.
import { readFileSync } from 'node:fs';
import type { ConfigRecords } from '../store/config-records.js';
import type { AppConfig } from './types.js';
import { validateConfig } from './validate.js';
import { ConfigValidationError, describeJsonError, type ConfigStore, type UpdateOptions } from './store.js';

/** A compare-and-set that keeps losing means something is wrong rather than busy. */
const MAX_TRIES = 50;

export class ConfigImportError extends Error {}

export class SharedConfigStore implements ConfigStore {
  private config: AppConfig;
  private error: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private refreshing?: Promise<void>;
  private readonly unwatch: () => void;

  private constructor(
    readonly path: string,
    private readonly records: ConfigRecords,
    first: AppConfig,
    private readonly onError: (message: string) => void,
  ) {
    this.config = first;
    this.unwatch = records.watch(() => void this.refresh());
  }

  /**
   * The database's config; when it holds none yet, the file at `importPath` (or `defaults()` when there is no
   * file) becomes it. An unreadable or invalid file is an error here: nothing is imported from it.
   */
  static async open(records: ConfigRecords, importPath: string, defaults: () => AppConfig, onError: (message: string) => void = () => {}): Promise<SharedConfigStore> {
    for (let i = 0; i < MAX_TRIES; i++) {
      const stored = await records.load();
      if (stored) return new SharedConfigStore('database', records, parseStored(stored.json), onError);
      const initial = readImport(importPath) ?? defaults();
      // Several instances starting on an empty database: one import wins, the others load it.
      if (await records.save({ json: JSON.stringify(initial), version: initial.version }, null)) {
        return new SharedConfigStore('database', records, initial, onError);
      }
    }
    throw new ConfigImportError('config in the database keeps changing during start');
  }

  current(): AppConfig {
    return this.config;
  }

  configError(): string | null {
    return this.error;
  }

  update(change: (current: AppConfig) => AppConfig, { check }: UpdateOptions = {}): Promise<AppConfig> {
    const run = this.queue.then(async () => {
      for (let i = 0; i < MAX_TRIES; i++) {
        const stored = await this.records.load();
        const base = stored ? parseStored(stored.json) : this.config;
        const next = change(base);
        const { config, errors } = validateConfig({ ...next, version: base.version + 1 });
        if (!config) throw new ConfigValidationError(errors);
        const refused = check?.(config, base) ?? [];
        if (refused.length) throw new ConfigValidationError(refused);
        if (await this.records.save({ json: JSON.stringify(config), version: config.version }, stored ? stored.version : null)) {
          this.apply(config);
          return config;
        }
        // Another instance wrote first: apply this change again on top of theirs.
      }
      throw new Error('config write kept losing to concurrent writers');
    });
    this.queue = run.catch(() => {});
    return run;
  }

  close(): void {
    this.unwatch();
  }

  /** Another instance (or this one) saved: load the latest; one refresh at a time, the last one wins. */
  private refresh(): Promise<void> {
    return (this.refreshing ??= (async () => {
      try {
        const stored = await this.records.load();
        if (stored && stored.version !== this.config.version) this.apply(parseStored(stored.json));
      } catch (err) {
        const message = `config in the database could not be read: ${(err as Error).message}`;
        if (message !== this.error) this.onError(message);
      } finally {
        this.refreshing = undefined;
      }
    })());
  }

  private apply(config: AppConfig): void {
    if (config.version >= this.config.version) this.config = config;
    this.error = null;
  }
}

/** What this instance wrote (or an older build) is validated like a file, so a bad row never replaces a good config. */
function parseStored(json: string): AppConfig {
  const { config, errors } = validateConfig(JSON.parse(json));
  if (!config) throw new ConfigImportError(`config in the database is invalid: ${errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ')}`);
  return config;
}

function readImport(path: string): AppConfig | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigImportError(`cannot read ${path} to import it: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigImportError(`${path} is not valid JSON, nothing imported: ${describeJsonError(err as Error, text)}`);
  }
  const { config, errors } = validateConfig(parsed);
  if (!config) throw new ConfigImportError(`${path} is invalid, nothing imported: ${errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ')}`);
  return config;
}
