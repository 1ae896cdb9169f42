// Analysis: where the CPU goes under the PostgreSQL load, per email: the gateway, the database's backends, the
// fake provider and the load client (they share the machine's cores), and the heaviest statements
// (pg_stat_statements, nested ones included, on a private server).
//
//   npm run build && node --import tsx bench/pg-split.ts relay|sandbox
//
// PG_SHARED=1 uses the machine's server on 127.0.0.1 (user postgres) instead; SPLIT_SQLITE=1 runs the gateway
// on SQLite for comparison; KEEP=1 keeps the database for inspection.
import postgres from 'postgres';
import { readdirSync, readFileSync } from 'node:fs';
import { blast } from './lib/load.js';
import { MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { cpuSeconds, sandboxConfig, startGateway, startReference } from './lib/server.js';
import { startPrivatePostgres } from './lib/private-postgres.js';

/** CPU seconds of every `postgres` process on the machine (the server and its backends). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // exited
    }
  }
  return total;
}

const mode = process.argv[2] === 'sandbox' ? 'sandbox' : 'relay';
const shared = Boolean(process.env.PG_SHARED);
const pg = shared ? { url: (d: string) => `postgres://postgres@127.0.0.1/${d}`, stop() {} } : await startPrivatePostgres();
const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
const db = `split_${process.pid}`;
await admin.unsafe(`CREATE DATABASE ${db}`);
const fake = await startReference('fake-resend');
const config =
  mode === 'sandbox'
    ? sandboxConfig
    : {
        providers: [{ id: 'fake-resend', name: 'Fake Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_bench_key_0123456789', base_url: fake.url }],
        routing: { mode: 'smart', sandbox: false, rules: [] },
        version: 1,
      };
const g = await startGateway({ config, env: process.env.SPLIT_SQLITE ? {} : { DATABASE_URL: pg.url(db), INSTANCE_ID: 'split' } });
const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS };
await blast({ url: g.url, ...send, connections: 64, durationS: 3 });
const stats = postgres(pg.url(db), { max: 1, onnotice: () => {} });
if (!shared) await stats`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
if (!shared) await stats`SELECT pg_stat_statements_reset()`;

const before = { gateway: cpuSeconds(g.pid), fake: cpuSeconds(fake.pid), load: process.cpuUsage(), postgres: postgresCpuSeconds(), t: performance.now() };
const r = await blast({ url: g.url, ...send, connections: 64, durationS: 10 });
const seconds = (performance.now() - before.t) / 1000;
const load = process.cpuUsage(before.load);
const emails = r.rps * seconds;
const per = (cpu: number) => `${((cpu / emails) * 1e6).toFixed(0)} µs/email (${(cpu / seconds).toFixed(2)} cores)`;
console.log(`${mode}: ${r.rps.toFixed(0)} req/s`);
console.log(`  gateway  ${per(cpuSeconds(g.pid) - before.gateway)}`);
console.log(`  postgres ${per(postgresCpuSeconds() - before.postgres)}`);
console.log(`  fake     ${per(cpuSeconds(fake.pid) - before.fake)}`);
console.log(`  load     ${per((load.user + load.system) / 1e6)}`);
if (!shared) {
  const top = await stats`SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q, calls::float8 AS calls,
    total_exec_time AS total, mean_exec_time AS mean, toplevel FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 14`;
  for (const t of top) console.log(`  ${(t.calls / emails).toFixed(2)}×/email ${((t.total * 1000) / emails).toFixed(0).padStart(4)} µs/email, mean ${t.mean.toFixed(3)} ms ${t.toplevel ? '' : '(nested) '}${t.q}`);
}
await stats.end();
await g.stop();
await fake.stop();
if (process.env.KEEP) console.log(`kept database ${db}`);
else await admin.unsafe(`DROP DATABASE ${db} WITH (FORCE)`);
await admin.end();
pg.stop();
