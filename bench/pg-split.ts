// Where the CPU goes under the PostgreSQL relay load: the gateway, the database's backends, the fake, the load.
//   node --import tsx bench/pg-split.ts   (PG on 127.0.0.1, PGUSER postgres)
import postgres from 'postgres';
import { readdirSync, readFileSync } from 'node:fs';
import { blast } from './lib/load.js';
import { MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { sandboxConfig, startGateway, startReference, cpuSeconds } from './lib/server.js';
import { startPrivatePostgres } from './lib/private-postgres.js';

const pgCpu = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).reduce((s, pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (!stat.includes('(postgres)')) return s;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return s + (Number(f[11]) + Number(f[12])) / 100;
  } catch { return s; }
}, 0);

const pg = process.env.PG_SHARED ? { url: (d: string) => `postgres://postgres@127.0.0.1/${d}`, stop() {} } : await startPrivatePostgres();
const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
const mode = process.argv[2] ?? 'relay';
const db = `split_${process.pid}`;
await admin.unsafe(`CREATE DATABASE ${db}`);
const fake = await startReference('fake-resend');
const config = mode === 'sandbox' ? sandboxConfig : {
  providers: [{ id: 'fake-resend', name: 'Fake Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_bench_key_0123456789', base_url: fake.url }],
  routing: { mode: 'smart', sandbox: false, rules: [] }, version: 1,
};
const g = await startGateway({ config, env: process.env.SPLIT_SQLITE ? {} : { DATABASE_URL: pg.url(db), INSTANCE_ID: 'split', ...(process.env.PG_POOL_MAX ? { PG_POOL_MAX: process.env.PG_POOL_MAX } : {}) } });
const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS };
await blast({ url: g.url, ...send, connections: 64, durationS: 3 });
const benchDb = postgres(pg.url(db), { max: 1, onnotice: () => {} });
if (!process.env.PG_SHARED) await benchDb`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
if (!process.env.PG_SHARED) await benchDb`SELECT pg_stat_statements_reset()`;
const c0 = { gw: cpuSeconds(g.pid), fake: cpuSeconds(fake.pid), me: process.cpuUsage(), pg: pgCpu(), t: performance.now() };
const r = await blast({ url: g.url, ...send, connections: 64, durationS: 10 });
const s = (performance.now() - c0.t) / 1000;
const me = process.cpuUsage(c0.me);
const n = r.rps * s;
const per = (x: number) => `${((x / n) * 1e6).toFixed(0)} µs/email (${(x / s).toFixed(2)} cores)`;
console.log(`${mode}: ${r.rps.toFixed(0)} req/s`);
console.log(`  gateway  ${per(cpuSeconds(g.pid) - c0.gw)}`);
console.log(`  postgres ${per(pgCpu() - c0.pg)}`);
console.log(`  fake     ${per(cpuSeconds(fake.pid) - c0.fake)}`);
console.log(`  load     ${per((me.user + me.system) / 1e6)}`);
const top = process.env.PG_SHARED ? [] : await benchDb`SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS q, calls::float8 AS calls, total_exec_time AS total, mean_exec_time AS mean, toplevel FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 14`;
for (const t of top) console.log(`  ${(t.calls / n).toFixed(2)}×/email ${((t.total * 1000) / n).toFixed(0).padStart(4)} µs/email mean ${t.mean.toFixed(3)} ms ${t.toplevel ? '' : '(nested) '}${t.q}`);
await benchDb.end();
await g.stop(); await fake.stop();
if (!process.env.KEEP) await admin.unsafe(`DROP DATABASE ${db} WITH (FORCE)`); else console.log(`kept ${db}`);
await admin.end();
pg.stop();
