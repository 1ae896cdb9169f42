// SPEC section 10, "at 1 000 000 log records": builds a database of 1 M emails with the app's own schema
// (opened once with the app's openDatabase, so migrations and the counter triggers are the real ones), then
// starts the server on it and measures GET /api/logs (first page) and GET /api/stats p50, and the sandbox
// insert rate against a server on an empty database, and the worst GET /api/logs: every filter and crafted
// search texts, each as the longest request and the longest event-loop block the server saw while
// serving it (its own nodejs_eventloop_lag_max_seconds from /metrics, reset by each scrape).
// The temp dir (≈1.7 GB) is deleted at the end.
//
//   npm run build && node --import tsx bench/million.ts
//
// Knobs: BENCH_ROWS (1000000), BENCH_DURATION (s per insert run, 10), BENCH_ROUNDS (3), BENCH_READ_DURATION (s, 5).
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createMessage, formatAddress } from '../src/core/message.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { INDEX_EXISTING_EMAILS, RECOUNT } from '../src/store/sqlite/migrations.js';
import { blast, type BlastResult } from './lib/load.js';
import { MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { removeDir, prepareBuild, sandboxConfig, startGateway, tempDir, type Gateway } from './lib/server.js';
import { fmt, knob, load1, machine, median, ms, printTable, ratio, verdict, writeResults } from './lib/report.js';

const ROWS = knob('BENCH_ROWS', 1_000_000, 5_000_000);
const DURATION = knob('BENCH_DURATION', 10, 120);
const ROUNDS = knob('BENCH_ROUNDS', 3, 10);
const READ_DURATION = knob('BENCH_READ_DURATION', 5, 120);
const BATCH = 50_000;
const PROVIDERS = [
  { id: 'resend', name: 'Resend', type: 'resend' },
  { id: 'mailtrap', name: 'Mailtrap', type: 'mailtrap' },
];

/**
 * The rows the app leaves behind: the INSERT of SendLog.record plus what `transition` sets later (provider,
 * timing, message id, attempt count). Mixed statuses so the counters and the status index look like real use.
 * The attempts table is left empty: neither the list, the stats nor the insert path reads it.
 */
function buildDatabase(path: string): { seconds: number; bytes: number } {
  const t0 = performance.now();
  openDatabase(path).close(); // schema, triggers, WAL: exactly what the server creates
  const db = new Database(path);
  db.pragma('synchronous = OFF'); // building a fixture, not serving: durability is not the point here
  db.pragma('cache_size = -200000');
  const insert = db.prepare(`INSERT INTO emails
    (created_at, source, status, from_address, to_addresses, subject, processing_time_ms, message, raw, idempotency_key, next_attempt_at, delivery_key,
     provider_id, provider_name, provider_type, message_id, error_message, attempt_count)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?)`);
  const base = createMessage(JSON.parse(MESSAGE_1KB));
  const from = formatAddress(base.from);
  const start = Date.now() - 30 * 86_400_000;
  const step = (30 * 86_400_000) / ROWS;
  const batch = db.transaction((first: number, n: number) => {
    for (let i = first; i < first + n; i++) {
      const to = `Recipient ${i % 5000} <rcpt${i % 5000}@example${i % 37}.test>`;
      const subject = `Your order #${i} has shipped`;
      const message = JSON.stringify({ ...base, subject, to: [{ name: `Recipient ${i % 5000}`, address: `rcpt${i % 5000}@example${i % 37}.test` }] });
      const created = new Date(start + i * step).toISOString();
      const kind = i % 10; // 3 sandbox, 6 success, 1 failed
      const source = i % 4 === 0 ? 'smtp' : 'api';
      if (kind < 3) {
        insert.run(created, source, 'sandbox', from, JSON.stringify([to]), subject, 0.2 + (i % 7) / 10, message, null, null, null, null, null, null, 0);
      } else {
        const p = PROVIDERS[i % 2];
        const ok = kind < 9;
        insert.run(created, source, ok ? 'success' : 'failed', from, JSON.stringify([to]), subject, 120 + (i % 300), message, `key-${i}`, p.id, p.name, p.type, ok ? `msg-${i}` : null, ok ? null : `${p.name}: HTTP 503: service unavailable`, ok ? 1 : 2);
      }
    }
  });
  for (let first = 0; first < ROWS; first += BATCH) {
    batch(first, Math.min(BATCH, ROWS - first));
    if ((first / BATCH) % 4 === 3) process.stdout.write(`  ${first + BATCH} rows, ${fmt((performance.now() - t0) / 1000, 1)} s\n`);
  }
  // The search index the store keeps beside each row, built as migration 3 builds it for existing rows, and the
  // counters the store sums per batch for new rows (the update trigger kept those of later status changes).
  db.exec(INDEX_EXISTING_EMAILS);
  db.exec(RECOUNT);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { seconds: (performance.now() - t0) / 1000, bytes: statSync(path).size };
}

/** p50 of sequential GETs (1 connection) after a 1 s warm-up of the same request. */
async function read(gw: Gateway, path: string, durationS = READ_DURATION) {
  await blast({ url: gw.url, path, connections: 1, durationS: 1 });
  const { value: r, others } = await guarded([gw.pid], () => blast({ url: gw.url, path, connections: 1, durationS }));
  if (r.ok === 0 || r.errors) throw new Error(`GET ${path}: ${JSON.stringify(r.statuses)} errors ${r.errors}`);
  return { ...r, others };
}

async function timeOnce(url: string): Promise<{ ms: number; status: number; body: any }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.json();
  return { ms: performance.now() - t0, status: res.status, body };
}

/** Every filter, and search texts crafted to be expensive; each is run WORST_RUNS times in a row. */
const WORST_PATHS: readonly [string, string][] = [
  ['no filter', '/api/logs'],
  ['status', '/api/logs?status=failed'],
  ['provider', '/api/logs?provider=resend'],
  ['source', '/api/logs?source=smtp'],
  ['status+provider+source', '/api/logs?status=success&provider=mailtrap&source=smtp'],
  ['offset 10000', '/api/logs?offset=10000'],
  ['limit 500', '/api/logs?limit=500'],
  ['q very common term', `/api/logs?q=order`],
  ['q very common, 500 rows', `/api/logs?q=shipped&limit=500`],
  ['q common prefix (5000 terms)', `/api/logs?q=rcpt`],
  ['q rare term', `/api/logs?q=999999`],
  ['q absent term', `/api/logs?q=zzzzqqqq`],
  ['q many common terms', `/api/logs?q=${encodeURIComponent('your order has shipped recipient example0 test your order has shipped recipient')}`],
  ['q two disjoint terms', `/api/logs?q=${encodeURIComponent('example1 example2')}`],
  ['q common + status + source', `/api/logs?q=order&status=failed&source=smtp`],
  ['q common, offset 9000', `/api/logs?q=order&offset=9000`],
  ['q punctuation', `/api/logs?q=${encodeURIComponent('%_*"():^-+{}[]|&!~\\'.repeat(10).slice(0, 200))}`],
  ['q 200 chars, 40 terms', `/api/logs?q=${encodeURIComponent('order rcpt1 '.repeat(17).slice(0, 200))}`],
  ['q FTS syntax', `/api/logs?q=${encodeURIComponent('order OR NEAR(a b) subject:x* NOT "')}`],
];
const WORST_RUNS = 10;

async function lagMaxMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^protopost_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  return m ? Number(m[1]) * 1000 : NaN;
}

/** The longest of WORST_RUNS sequential requests, and the longest event-loop block during them. */
async function worst(gw: Gateway, path: string): Promise<{ maxMs: number; lagMs: number; total: number; rows: number }> {
  await timeOnce(`${gw.url}${path}`); // warm the page cache for this shape
  await lagMaxMs(gw.url); // resets the server's lag histogram
  let maxMs = 0;
  let last: any;
  for (let i = 0; i < WORST_RUNS; i++) {
    const r = await timeOnce(`${gw.url}${path}`);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    maxMs = Math.max(maxMs, r.ms);
    last = r.body;
  }
  return { maxMs, lagMs: await lagMaxMs(gw.url), total: last.total, rows: last.logs.length };
}

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`1M bench: building ${ROWS} rows; load ${info.loadavg_at_start.join(' ')}`);
  const bigDir = tempDir('1m');
  let big: Gateway | undefined;
  let empty: Gateway | undefined;
  try {
    const built = buildDatabase(join(bigDir, 'emails.db'));
    console.log(`  built ${ROWS} rows in ${fmt(built.seconds, 1)} s, ${fmt(built.bytes / 2 ** 20)} MB`);

    big = await startGateway({ dir: bigDir, config: sandboxConfig });
    const startedOnBig = big.listeningAfterMs;
    const coldLogs = await timeOnce(`${big.url}/api/logs`);
    const coldStats = await timeOnce(`${big.url}/api/stats`);
    if (coldLogs.body.total !== ROWS || coldLogs.body.logs.length !== 100) throw new Error(`unexpected /api/logs answer: total ${coldLogs.body.total}, ${coldLogs.body.logs.length} rows`);
    if (coldStats.body.total !== ROWS) throw new Error(`unexpected /api/stats total ${coldStats.body.total}`);
    console.log(`  started in ${fmt(startedOnBig)} ms; first /api/logs ${ms(coldLogs.ms)}, first /api/stats ${ms(coldStats.ms)}`);

    const reads: Record<string, BlastResult & { others: number }> = {};
    for (const path of ['/api/logs', '/api/stats', '/api/logs?status=failed', '/api/logs?offset=10000', '/api/logs?provider=resend']) {
      reads[path] = await read(big, path);
      console.log(`  GET ${path.padEnd(26)} p50 ${ms(reads[path].latency.p50)} p99 ${ms(reads[path].latency.p99)} (${fmt(reads[path].rps)} req/s, 1 connection; others ${fmt(reads[path].others, 2)} cores)`);
    }
    reads['/api/logs?q=order%20999999'] = await read(big, '/api/logs?q=order%20999999', 3);
    console.log(`  GET /api/logs?q=order 999999 (search) p50 ${ms(reads['/api/logs?q=order%20999999'].latency.p50)}`);

    const worstRows: Record<string, Awaited<ReturnType<typeof worst>> & { path: string }> = {};
    for (const [name, path] of WORST_PATHS) {
      worstRows[name] = { path, ...(await worst(big, path)) };
      const w = worstRows[name];
      console.log(`  worst ${name.padEnd(30)} request ${ms(w.maxMs).padStart(9)}  loop block ${ms(w.lagMs).padStart(9)}  total ${w.total} rows ${w.rows}`);
    }
    const worstBlock = Math.max(...Object.values(worstRows).map((w) => w.lagMs));
    const worstRequest = Math.max(...Object.values(worstRows).map((w) => w.maxMs));
    const worstName = Object.entries(worstRows).sort((a, b) => b[1].lagMs - a[1].lagMs)[0][0];

    empty = await startGateway({ config: sandboxConfig });
    const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS, connections: 64 };
    await blast({ url: big.url, ...send, durationS: 3 });
    await blast({ url: empty.url, ...send, durationS: 3 });
    const inserts: Record<'big' | 'empty', (BlastResult & { others: number })[]> = { big: [], empty: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['big', 'empty'] as const) : (['empty', 'big'] as const);
      for (const who of order) {
        const { value: r, others } = await guarded([big.pid, empty.pid], () => blast({ url: (who === 'big' ? big! : empty!).url, ...send, durationS: DURATION }));
        if (r.ok !== (r.statuses['200'] ?? 0) || r.errors) throw new Error(`insert run on ${who}: ${JSON.stringify(r.statuses)} errors ${r.errors}`);
        inserts[who].push({ ...r, others });
        console.log(`  round ${round + 1} insert on ${who === 'big' ? '1M db  ' : 'empty db'} ${fmt(r.rps)} req/s  p99 ${ms(r.latency.p99)}  others ${fmt(others, 2)} cores`);
      }
    }
    const bigRate = median(inserts.big.map((r) => r.rps));
    const emptyRate = median(inserts.empty.map((r) => r.rps));
    const logsP50 = reads['/api/logs'].latency.p50;
    const statsP50 = reads['/api/stats'].latency.p50;
    printTable(`At ${ROWS} log records`, [
      { figure: 'GET /api/logs first page (100 rows) p50', value: ms(logsP50), reference: `p99 ${ms(reads['/api/logs'].latency.p99)}; first after start ${ms(coldLogs.ms)}`, target: '< 10 ms', result: verdict(logsP50 < 10) },
      { figure: 'GET /api/stats p50', value: ms(statsP50), reference: `p99 ${ms(reads['/api/stats'].latency.p99)}; first after start ${ms(coldStats.ms)}`, target: '< 5 ms', result: verdict(statsP50 < 5) },
      { figure: 'sandbox insert rate, 1M db vs empty (req/s)', value: fmt(bigRate), reference: `${fmt(emptyRate)} empty db`, ratio: ratio(bigRate, emptyRate), target: 'within 10 % (≥ 0.90×)', result: verdict(bigRate / emptyRate >= 0.9) },
      { figure: 'GET /api/logs?status=failed p50', value: ms(reads['/api/logs?status=failed'].latency.p50), result: 'info' },
      { figure: 'GET /api/logs?offset=10000 p50', value: ms(reads['/api/logs?offset=10000'].latency.p50), result: 'info' },
      { figure: 'GET /api/logs?provider=resend p50 (counts by scan)', value: ms(reads['/api/logs?provider=resend'].latency.p50), result: 'info' },
      { figure: 'GET /api/logs?q=order 999999 p50 (FTS5)', value: ms(reads['/api/logs?q=order%20999999'].latency.p50), result: 'info' },
      { figure: 'worst GET /api/logs: longest event-loop block', value: ms(worstBlock), reference: `${worstName}; longest request ${ms(worstRequest)}`, target: '< 50 ms', result: verdict(worstBlock < 50) },
      { figure: `build ${ROWS} rows`, value: `${fmt(built.seconds, 1)} s`, reference: `${fmt(built.bytes / 2 ** 20)} MB`, result: 'info' },
      { figure: 'server start on the 1M db (to listening)', value: ms(startedOnBig), result: 'info' },
    ]);
    writeResults('million', {
      machine: info,
      build,
      loadavg_at_end: load1(),
      settings: { rows: ROWS, durationS: DURATION, rounds: ROUNDS, readDurationS: READ_DURATION, bodyBytes: MESSAGE_1KB.length },
      database: built,
      start_ms: startedOnBig,
      cold: { logs_ms: coldLogs.ms, stats_ms: coldStats.ms },
      worst: worstRows,
      reads: Object.fromEntries(Object.entries(reads).map(([k, r]) => [k, { latency: r.latency, rps: r.rps, others: r.others }])),
      inserts: { big_rps: bigRate, empty_rps: emptyRate, ratio: bigRate / emptyRate, runs: inserts },
    });
  } finally {
    await big?.kill();
    await empty?.kill();
    removeDir(bigDir);
    if (empty) removeDir(empty.dir);
  }
}

await main();
