// API keys as the store sees them: the interface every backend (sqlite/, postgres/) implements.
// Only the SHA-256 of a secret is ever stored; the secret itself is shown once, at creation.

export type KeyScope = 'send' | 'read' | 'admin';
export const KEY_SCOPES: readonly KeyScope[] = ['send', 'read', 'admin'];

export interface ApiKey {
  readonly id: number;
  readonly name: string;
  readonly scope: KeyScope;
  /** the secret's first 8 characters, for recognising it */
  readonly prefix: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
}

export interface NewApiKey {
  readonly name: string;
  readonly scope: KeyScope;
  readonly prefix: string;
  /** hex SHA-256 of the secret */
  readonly hash: string;
}

export interface ApiKeyStore {
  /** 'duplicate_name' when a key with that name exists */
  create(k: NewApiKey): Promise<ApiKey | 'duplicate_name'>;
  list(): Promise<ApiKey[]>;
  /** an indexed lookup, made on every authenticated request so a deletion takes effect at once on every instance */
  findByHash(hash: string): Promise<ApiKey | undefined>;
  touch(id: number, at: string): Promise<void>;
  /** false when no such key */
  delete(id: number): Promise<boolean>;
}
