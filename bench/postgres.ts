// SPEC sections 10–11, PostgreSQL figures in one run: sandbox and relay throughput on PostgreSQL vs SQLite
// (one instance each, same build), two instances on one database together vs one; what one email costs the
// database (statements, rows, WAL bytes from pg_stat_statements / pg_stat_wal); and pgbench's ceiling for the
// same writes on the same server. PostgreSQL is a private server started for the run (initdb in a temp dir).
//
//   npm run build && node --import tsx bench/postgres.ts
//
// Knobs: BENCH_DURATION (s per run, 10), BENCH_WARMUP (s, 3).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { blast, type BlastResult } from './lib/load.js';
import { logIdOf, MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { prepareBuild, removeDir, sandboxConfig, startGateway, startReference, tempDir, type Gateway } from './lib/server.js';
import { fmt, knob, load1, machine, printTable, ratio, verdict, writeResults } from './lib/report.js';
import { startPrivatePostgres } from './lib/private-postgres.js';

const DURATION = knob('BENCH_DURATION', 10, 120);
const WARMUP = knob('BENCH_WARMUP', 3, 60);
const CONNECTIONS = 64;
const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS };

interface DbCost {
  emails: number;
  statements_per_email: number;
  rows_per_email: number;
  wal_bytes_per_email: number;
  wal_records_per_email: number;
  top: { query: string; calls_per_email: number; rows_per_email: number; mean_ms: number }[];
}

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`postgres bench: ${CONNECTIONS} connections, ${DURATION} s per run; load ${info.loadavg_at_start.join(' ')} (a shared machine: figures are noisy)`);
  const pg = await startPrivatePostgres();
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
  const started: Gateway[] = [];
  const fake = await startReference('fake-resend');
  const relayConfig = {
    providers: [{ id: 'fake-resend', name: 'Fake Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_bench_key_0123456789', base_url: fake.url }],
    routing: { mode: 'smart', sandbox: false, rules: [] },
    version: 1,
  };
  let dbSeq = 0;
  const freshDb = async () => {
    const name = `bench_${process.pid}_${++dbSeq}`;
    await admin.unsafe(`CREATE DATABASE ${name}`);
    return name;
  };
  const gateway = async (config: unknown, databaseUrl?: string, id = 'bench-1') => {
    // LOG_LEVEL stays info: the harness reads the listening URL from the server's log.
    const g = await startGateway({ config, env: databaseUrl ? { DATABASE_URL: databaseUrl, INSTANCE_ID: id } : {} });
    started.push(g);
    return g;
  };
  const run = async (g: Gateway, ids?: Set<number>, connections = CONNECTIONS): Promise<BlastResult> =>
    blast({ url: g.url, ...send, connections, durationS: DURATION, onResponse: ids ? (s, b) => s === 200 && ids.add(logIdOf(b) ?? -1) : undefined });

  try {
    // SQLite, one instance: sandbox then relay.
    const results: Record<string, number> = {};
    for (const [label, config] of [['sandbox', sandboxConfig], ['relay', relayConfig]] as const) {
      const g = await gateway(config);
      await blast({ url: g.url, ...send, connections: CONNECTIONS, durationS: WARMUP });
      const r = await run(g);
      results[`sqlite_${label}`] = r.rps;
      console.log(`  sqlite   ${label.padEnd(7)} ${fmt(r.rps)} req/s  p99 ${fmt(r.latency.p99, 1)} ms  non-2xx ${r.statuses ? JSON.stringify(r.statuses) : ''}`);
      await g.stop();
      removeDir(g.dir);
    }

    // PostgreSQL, one instance, with the database's cost per email.
    const costs: Record<string, DbCost> = {};
    let sandboxDbUrl = '';
    for (const [label, config] of [['sandbox', sandboxConfig], ['relay', relayConfig]] as const) {
      const db = await freshDb();
      const url = pg.url(db);
      if (label === 'sandbox') sandboxDbUrl = url;
      const g = await gateway(config, url);
      await blast({ url: g.url, ...send, connections: CONNECTIONS, durationS: WARMUP });
      const benchDb = postgres(url, { max: 1, onnotice: () => {} });
      await benchDb`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
      await benchDb`SELECT pg_stat_statements_reset()`;
      await benchDb`SELECT pg_stat_reset_shared('wal')`;
      const ids = new Set<number>();
      const r = await run(g, ids);
      const [wal] = await benchDb`SELECT wal_records::float8 AS records, wal_bytes::float8 AS bytes FROM pg_stat_wal`;
      const stmts = await benchDb`SELECT query, calls::float8 AS calls, rows::float8 AS rows, mean_exec_time AS mean_ms FROM pg_stat_statements
        WHERE toplevel AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat%' ORDER BY calls DESC`;
      const emails = r.ok;
      costs[label] = {
        emails,
        statements_per_email: stmts.reduce((s, x) => s + x.calls, 0) / emails,
        rows_per_email: stmts.reduce((s, x) => s + x.rows, 0) / emails,
        wal_bytes_per_email: wal.bytes / emails,
        wal_records_per_email: wal.records / emails,
        top: stmts.slice(0, 6).map((x) => ({ query: String(x.query).replace(/\s+/g, ' ').slice(0, 90), calls_per_email: x.calls / emails, rows_per_email: x.rows / emails, mean_ms: x.mean_ms })),
      };
      const [{ n }] = await benchDb`SELECT count(*)::int AS n FROM emails WHERE id = ANY(${[...ids]}::bigint[])`;
      await benchDb.end();
      results[`pg_${label}`] = r.rps;
      results[`pg_${label}_missing`] = ids.size - n;
      console.log(`  postgres ${label.padEnd(7)} ${fmt(r.rps)} req/s  p99 ${fmt(r.latency.p99, 1)} ms  statuses ${JSON.stringify(r.statuses)}  acknowledged missing ${ids.size - n}`);
      console.log(`    per email: ${fmt(costs[label].statements_per_email, 2)} statements, ${fmt(costs[label].rows_per_email, 2)} rows, ${fmt(costs[label].wal_bytes_per_email)} WAL bytes (${fmt(costs[label].wal_records_per_email, 1)} records)`);
      for (const t of costs[label].top) console.log(`      ${fmt(t.calls_per_email, 2)}×  ${fmt(t.mean_ms, 3)} ms  ${t.query}`);
      await g.stop();
      removeDir(g.dir);
    }

    // Two instances on one database, together, vs one (each gets half the connections).
    const one = await gateway(sandboxConfig, sandboxDbUrl, 'bench-1');
    const two = await gateway(sandboxConfig, sandboxDbUrl, 'bench-2');
    await Promise.all([one, two].map((g) => blast({ url: g.url, ...send, connections: CONNECTIONS / 2, durationS: WARMUP })));
    const alone = await run(one);
    const both = await Promise.all([one, two].map((g) => run(g, undefined, CONNECTIONS / 2)));
    results.pg_one_instance = alone.rps;
    results.pg_two_instances = both[0].rps + both[1].rps;
    console.log(`  postgres one instance ${fmt(alone.rps)} req/s; two together ${fmt(both[0].rps)} + ${fmt(both[1].rps)} = ${fmt(results.pg_two_instances)} req/s`);
    for (const g of [one, two]) {
      await g.stop();
      removeDir(g.dir);
    }

    // pgbench on the same server: the database's own ceiling for one email's writes, without any gateway.
    const ceilingDb = await freshDb();
    const seed = await gateway(sandboxConfig, pg.url(ceilingDb), 'bench-seed'); // creates the schema
    await seed.stop();
    removeDir(seed.dir);
    const scripts = tempDir('pgbench');
    const payload = `repeat('x', ${MESSAGE_1KB.length})`;
    writeFileSync(join(scripts, 'sandbox.sql'), `INSERT INTO emails (source, status, from_address, to_addresses, subject, message) VALUES ('api', 'sandbox', 'a@bench.test', '["b@bench.test"]', 'subject', ${payload});\n`);
    writeFileSync(
      join(scripts, 'relay.sql'),
      `INSERT INTO emails (source, status, from_address, to_addresses, subject, message, delivery_key, lease_owner, lease_until) VALUES ('api', 'sending', 'a@bench.test', '["b@bench.test"]', 'subject', ${payload}, md5(random()::text), 'b', 0) RETURNING id \\gset\n` +
        `WITH u AS (UPDATE emails SET status = 'success', provider_id = 'p', provider_name = 'P', provider_type = 'resend', processing_time_ms = 1, message_id = 'm', attempt_count = 1, lease_owner = NULL, lease_until = NULL WHERE id = :id RETURNING id) INSERT INTO attempts (email_id, provider_id, provider_name, provider_type, started_at, duration_ms, ok) SELECT id, 'p', 'P', 'resend', 'now', 1, true FROM u;\n`,
    );
    const pgbench = (script: string) => {
      const r = spawnSync(join(pg.bin, 'pgbench'), ['-n', '-M', 'prepared', '-c', '16', '-j', '2', '-T', String(DURATION), '-f', join(scripts, script), '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', ceilingDb], { encoding: 'utf8' });
      const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
      if (!Number.isFinite(tps)) console.log(r.stdout, r.stderr);
      return tps;
    };
    results.pgbench_sandbox_tps = pgbench('sandbox.sql');
    results.pgbench_relay_tps = pgbench('relay.sql');
    removeDir(scripts);
    console.log(`  pgbench (16 clients): sandbox-email writes ${fmt(results.pgbench_sandbox_tps)}/s, relay-email writes ${fmt(results.pgbench_relay_tps)}/s`);

    printTable('PostgreSQL backend (SPEC 10–11)', [
      { figure: 'sandbox throughput, one instance', value: `${fmt(results.pg_sandbox)} req/s`, reference: `${fmt(results.sqlite_sandbox)} SQLite`, ratio: ratio(results.pg_sandbox, results.sqlite_sandbox), target: '≥ 0.50×', result: verdict(results.pg_sandbox / results.sqlite_sandbox >= 0.5) },
      { figure: 'relay throughput, one instance', value: `${fmt(results.pg_relay)} req/s`, reference: `${fmt(results.sqlite_relay)} SQLite`, ratio: ratio(results.pg_relay, results.sqlite_relay), target: '≥ 0.80×', result: verdict(results.pg_relay / results.sqlite_relay >= 0.8) },
      { figure: 'sandbox, two instances together', value: `${fmt(results.pg_two_instances)} req/s`, reference: `${fmt(results.pg_one_instance)} one`, ratio: ratio(results.pg_two_instances, results.pg_one_instance), target: '≥ 1.0×', result: verdict(results.pg_two_instances >= results.pg_one_instance) },
      { figure: 'acknowledged missing from PostgreSQL', value: String((results.pg_sandbox_missing ?? 0) + (results.pg_relay_missing ?? 0)), target: '0', result: verdict(!results.pg_sandbox_missing && !results.pg_relay_missing) },
      { figure: 'pgbench ceiling, sandbox-email writes', value: `${fmt(results.pgbench_sandbox_tps)}/s`, result: 'info' },
      { figure: 'pgbench ceiling, relay-email writes', value: `${fmt(results.pgbench_relay_tps)}/s`, result: 'info' },
    ]);
    writeResults('postgres', { machine: info, build, loadavg_at_end: load1(), settings: { connections: CONNECTIONS, durationS: DURATION }, results, costs });
    if (results.pg_sandbox_missing || results.pg_relay_missing) process.exitCode = 1;
  } finally {
    for (const g of started) await g.kill().catch(() => {});
    for (const g of started) removeDir(g.dir);
    await fake.stop();
    await admin.end({ timeout: 1 }).catch(() => {});
    pg.stop();
  }
}

await main();
