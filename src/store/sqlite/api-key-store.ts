// ApiKeyStore on SQLite: the `api_keys` table of migration 3, looked up by its unique hash index.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { ApiKey, ApiKeyStore, NewApiKey } from '../api-keys.js';

const COLUMNS = 'id, name, scope, prefix, created_at, last_used_at';

export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly insert: Statement;
  private readonly all: Statement;
  private readonly byHash: Statement;
  private readonly touchStmt: Statement;
  private readonly remove: Statement;

  constructor(db: Db) {
    this.insert = db.prepare(`INSERT INTO api_keys (name, scope, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(name) DO NOTHING RETURNING ${COLUMNS}`);
    this.all = db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY id`);
    this.byHash = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE hash = ?`);
    this.touchStmt = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    this.remove = db.prepare('DELETE FROM api_keys WHERE id = ?');
  }

  async create(k: NewApiKey): Promise<ApiKey | 'duplicate_name'> {
    const row = this.insert.get(k.name, k.scope, k.prefix, k.hash, new Date().toISOString()) as ApiKey | undefined;
    return row ?? 'duplicate_name';
  }

  async list(): Promise<ApiKey[]> {
    return this.all.all() as ApiKey[];
  }

  async findByHash(hash: string): Promise<ApiKey | undefined> {
    return this.byHash.get(hash) as ApiKey | undefined;
  }

  async touch(id: number, at: string): Promise<void> {
    this.touchStmt.run(at, id);
  }

  async delete(id: number): Promise<boolean> {
    return this.remove.run(id).changes === 1;
  }
}
