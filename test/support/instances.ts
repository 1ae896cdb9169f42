// Several real gateway processes on one PostgreSQL database, started the way a user starts them.
import { rmSync } from 'node:fs';
import { startServer, type RunningServer, type StartOptions } from './server.js';

export interface Instances {
  readonly all: RunningServer[];
  /** SIGKILL every instance still running and remove their temp dirs */
  close(): Promise<void>;
}

/** `n` instances with DATABASE_URL, INSTANCE_ID=instance-1…n, each with its own config file to import (only the first import counts). */
export async function startInstances(n: number, databaseUrl: string, o: StartOptions = {}): Promise<Instances> {
  const all = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      startServer({ readyTimeoutMs: 60_000, ...o, env: { DATABASE_URL: databaseUrl, INSTANCE_ID: `instance-${i + 1}`, SMTP_LISTEN_PORT: 'off', ...o.env } }),
    ),
  );
  return {
    all,
    async close() {
      for (const s of all) {
        await s.kill();
        rmSync(s.dir, { recursive: true, force: true });
      }
    },
  };
}
