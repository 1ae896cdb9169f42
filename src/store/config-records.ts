// Config kept in the database (PostgreSQL mode). File mode keeps config.json and has no ConfigRecords.
// Versions are compare-and-set, so concurrent writes on different instances are serialized, never lost.

export interface StoredConfig {
  /** the config as JSON text (the same document config.json holds) */
  readonly json: string;
  readonly version: number;
}

export interface ConfigRecords {
  /** The config in the database, or undefined when none was ever saved (then CONFIG_PATH is imported once). */
  load(): Promise<StoredConfig | undefined>;
  /**
   * Saves `next` only if the stored version is still `previous` (null: nothing stored yet). False when another
   * writer got there first: reload and apply the change again.
   */
  save(next: StoredConfig, previous: number | null): Promise<boolean>;
  /** `onChange` runs when any instance saved (LISTEN/NOTIFY, with a periodic check as fallback); returns unsubscribe. */
  watch(onChange: () => void): () => void;
}
