// ApiKeyStore on PostgreSQL: shared by every instance; the lookup by hash is indexed (UNIQUE), so a deletion
// takes effect at once everywhere.
import type { ApiKey, ApiKeyStore, NewApiKey } from '../api-keys.js';
import type { Sql } from './connect.js';

export class PgApiKeys implements ApiKeyStore {
  constructor(private readonly sql: Sql) {}

  async create(k: NewApiKey): Promise<ApiKey | 'duplicate_name'> {
    const [row] = await this.sql<ApiKey[]>`INSERT INTO api_keys (name, scope, prefix, hash, created_at)
      VALUES (${k.name}, ${k.scope}, ${k.prefix}, ${k.hash}, ${new Date().toISOString()})
      ON CONFLICT (name) DO NOTHING RETURNING id, name, scope, prefix, created_at, last_used_at`;
    return row ? { ...row } : 'duplicate_name';
  }

  async list(): Promise<ApiKey[]> {
    return [...(await this.sql<ApiKey[]>`SELECT id, name, scope, prefix, created_at, last_used_at FROM api_keys ORDER BY id`)].map((r) => ({ ...r }));
  }

  async findByHash(hash: string): Promise<ApiKey | undefined> {
    const [row] = await this.sql<ApiKey[]>`SELECT id, name, scope, prefix, created_at, last_used_at FROM api_keys WHERE hash = ${hash}`;
    return row && { ...row };
  }

  async touch(id: number, at: string): Promise<void> {
    await this.sql`UPDATE api_keys SET last_used_at = ${at} WHERE id = ${id}`;
  }

  async delete(id: number): Promise<boolean> {
    return (await this.sql`DELETE FROM api_keys WHERE id = ${id}`).count === 1;
  }
}
