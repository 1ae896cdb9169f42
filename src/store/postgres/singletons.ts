// Background work that must run on one instance at a time holds a session advisory lock on one reserved
// connection. The lock lives as long as that session: when the instance dies (or its connection is cut) the
// database drops it and the next instance to ask takes it over.
import type postgres from 'postgres';
import type { SingletonTask } from '../stores.js';
import type { Sql } from './connect.js';

const LOCK_SPACE = 7_260_012;
const TASK_KEYS: Record<SingletonTask, number> = { retention: 1, scheduled: 2 };

export class Singletons {
  private session?: Promise<postgres.ReservedSql<{}>>;

  constructor(private readonly sql: Sql) {}

  async leads(task: SingletonTask): Promise<boolean> {
    const key = TASK_KEYS[task];
    try {
      const session = await (this.session ??= this.sql.reserve());
      // Held already (this session took it earlier), else try to take it; CASE fixes the order of the two.
      const [{ held }] = await session<{ held: boolean }[]>`SELECT CASE
        WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
          AND classid = ${LOCK_SPACE} AND objid = ${key} AND objsubid = 2 AND granted)
        THEN true ELSE pg_try_advisory_lock(${LOCK_SPACE}, ${key}) END AS held`;
      return held;
    } catch {
      // The session is gone, and its locks with it: a new one next time.
      this.drop();
      return false;
    }
  }

  close(): void {
    this.drop();
  }

  private drop(): void {
    const s = this.session;
    this.session = undefined;
    void s?.then((c) => c.release()).catch(() => {});
  }
}
