// What one email costs PostgreSQL, measured through the store itself (no HTTP, so it runs even on a busy
// machine): statements, rows and WAL bytes per sandbox email and per relayed email, from pg_stat_statements and
// pg_stat_wal on a private server; and pgbench's ceiling for the same statements on that server.
//
//   node --import tsx bench/postgres-cost.ts        (BENCH_EMAILS, default 3000; BENCH_DURATION for pgbench, 10 s)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { openPostgresStores } from '../src/store/postgres/open.js';
import { createMessage } from '../src/core/message.js';
import { MESSAGE_1KB } from './lib/message.js';
import { startPrivatePostgres } from './lib/private-postgres.js';
import { fmt, knob, machine, writeResults } from './lib/report.js';
import { tempDir, removeDir } from './lib/server.js';

const EMAILS = knob('BENCH_EMAILS', 3000, 100_000);
const DURATION = knob('BENCH_DURATION', 10, 120);
const CONCURRENCY = 32;

const message = createMessage(JSON.parse(MESSAGE_1KB));
const lease = { owner: 'bench', ms: 30_000 };
const attempt = { provider_id: 'p', provider_name: 'P', provider_type: 'resend', started_at: new Date().toISOString(), duration_ms: 12, ok: true, error: null, error_class: null };

async function inParallel(n: number, one: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await one(next++);
  }));
}

async function main() {
  const pg = await startPrivatePostgres();
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
  const out: Record<string, unknown> = { machine: machine(), emails: EMAILS };
  try {
    for (const kind of ['sandbox', 'relay', 'async'] as const) {
      const db = `cost_${kind}`;
      await admin.unsafe(`CREATE DATABASE ${db}`);
      const stores = await openPostgresStores({ databasePath: '', databaseUrl: pg.url(db) });
      const probe = postgres(pg.url(db), { max: 1, onnotice: () => {} });
      await probe`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
      await stores.log.record({ source: 'api', status: 'sandbox', message }); // warm: statements prepared
      await probe`SELECT pg_stat_statements_reset()`;
      await probe`SELECT pg_stat_reset_shared('wal')`;
      const t0 = performance.now();
      await inParallel(EMAILS, async () => {
        if (kind === 'sandbox') return stores.log.record({ source: 'api', status: 'sandbox', message, processingTimeMs: 0.2 });
        if (kind === 'relay') {
          const id = await stores.log.record({ source: 'api', status: 'sending', message, deliveryKey: 'k', lease });
          return stores.log.transition(id, { to: 'success', holder: lease.owner, provider: { id: 'p', name: 'P', type: 'resend' }, processingTimeMs: 12, messageId: 'm', attempts: [attempt], nextAttemptAt: null, countRound: true });
        }
        // async: stored queued, claimed (one claim per email here: the worst case), delivered
        await stores.log.record({ source: 'api', status: 'queued', message, deliveryKey: 'k', nextAttemptAt: 0 });
        const [c] = await stores.queue.claim(lease.owner, lease.ms, 1);
        if (c) await stores.log.transition(c.id, { to: 'success', holder: lease.owner, provider: { id: 'p', name: 'P', type: 'resend' }, processingTimeMs: 12, messageId: 'm', attempts: [attempt], nextAttemptAt: null, countRound: true });
      });
      const seconds = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 200)); // the batched NOTIFYs go out
      const [wal] = await probe`SELECT wal_records::float8 AS records, wal_bytes::float8 AS bytes, wal_fpi::float8 AS fpi FROM pg_stat_wal`;
      const stmts = await probe`SELECT query, calls::float8 AS calls, rows::float8 AS rows, mean_exec_time AS mean_ms FROM pg_stat_statements
        WHERE toplevel AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat%' ORDER BY calls DESC`;
      const per = (x: number) => x / EMAILS;
      const cost = {
        emails_per_s_through_store: EMAILS / seconds,
        statements_per_email: per(stmts.reduce((s, x) => s + x.calls, 0)),
        rows_per_email: per(stmts.reduce((s, x) => s + x.rows, 0)),
        wal_bytes_per_email: per(wal.bytes),
        wal_records_per_email: per(wal.records),
        wal_full_page_images_per_email: per(wal.fpi),
        statements: stmts.slice(0, 8).map((x) => ({ per_email: per(x.calls), mean_ms: x.mean_ms, query: String(x.query).replace(/\s+/g, ' ').slice(0, 100) })),
      };
      out[kind] = cost;
      console.log(`${kind}: ${fmt(cost.emails_per_s_through_store)} emails/s through the store (${CONCURRENCY} at once); per email ${fmt(cost.statements_per_email, 2)} statements, ${fmt(cost.rows_per_email, 2)} rows, ${fmt(cost.wal_bytes_per_email)} WAL bytes (${fmt(cost.wal_records_per_email, 1)} records, ${fmt(cost.wal_full_page_images_per_email, 2)} full-page images)`);
      for (const s of cost.statements) console.log(`    ${fmt(s.per_email, 3)}×  ${fmt(s.mean_ms, 3)} ms  ${s.query}`);
      await probe.end();
      await stores.close();
    }

    // pgbench: the server's own ceiling for one email's writes, no gateway, no Node.
    const scripts = tempDir('pgbench');
    const payload = `repeat('x', ${MESSAGE_1KB.length})`;
    writeFileSync(join(scripts, 'sandbox.sql'), `INSERT INTO emails (source, status, from_address, to_addresses, subject, message) VALUES ('api', 'sandbox', 'a@bench.test', '["b@bench.test"]', 'subject', ${payload});\n`);
    writeFileSync(
      join(scripts, 'relay.sql'),
      `INSERT INTO emails (source, status, from_address, to_addresses, subject, message, delivery_key, lease_owner, lease_until) VALUES ('api', 'sending', 'a@bench.test', '["b@bench.test"]', 'subject', ${payload}, 'k', 'b', 0) RETURNING id \\gset\n` +
        `WITH u AS (UPDATE emails SET status = 'success', provider_id = 'p', provider_name = 'P', provider_type = 'resend', processing_time_ms = 1, message_id = 'm', attempt_count = 1, lease_owner = NULL, lease_until = NULL WHERE id = :id RETURNING id) INSERT INTO attempts (email_id, provider_id, provider_name, provider_type, started_at, duration_ms, ok) SELECT id, 'p', 'P', 'resend', 'now', 1, true FROM u;\n`,
    );
    for (const s of ['sandbox', 'relay']) {
      const r = spawnSync(join(pg.bin, 'pgbench'), ['-n', '-M', 'prepared', '-c', '16', '-j', '2', '-T', String(DURATION), '-f', join(scripts, `${s}.sql`), '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', `cost_${s}`], { encoding: 'utf8' });
      const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
      out[`pgbench_${s}_emails_per_s`] = tps;
      console.log(`pgbench ${s}-email writes, 16 clients, ${DURATION} s: ${fmt(tps)} emails/s${Number.isFinite(tps) ? '' : `\n${r.stdout}${r.stderr}`}`);
    }
    removeDir(scripts);
    writeResults('postgres-cost', out);
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
    pg.stop();
  }
}

await main();
