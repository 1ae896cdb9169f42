// A private PostgreSQL server for the benchmark (initdb in a temp dir, its own port, pg_stat_statements
// preloaded): the counters it reads are this run's alone, and the machine's shared server is not restarted.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './server.js';

export interface PrivatePostgres {
  readonly url: (db: string) => string;
  readonly bin: string;
  readonly port: number;
  stop(): void;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('no PostgreSQL server binaries in /usr/lib/postgresql (apt-get install postgresql)');
  const bin = `/usr/lib/postgresql/${versions[0]}/bin`;
  const dir = tempDir('pg');
  chmodSync(dir, 0o755);
  // initdb refuses to run as root: run the server as the postgres user.
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const asPostgres = (cmd: string, args: string[]) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const data = join(dir, 'data');
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    `-c listen_addresses=127.0.0.1`,
    `-c shared_preload_libraries=pg_stat_statements`,
    `-c pg_stat_statements.track=all`,
    `-c synchronous_commit=on`,
    `-c max_connections=200`,
    `-c shared_buffers=256MB`,
  ].join(' ');
  asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', 'start']);
  return {
    bin,
    port,
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    stop() {
      spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']);
      spawnSync('rm', ['-rf', dir]);
    },
  };
}
