// SPEC section 10 / issue 5, durability: sandbox sends at full speed from 32 connections, the server is
// SIGKILLed mid-run, restarted on the same files, and every acknowledged (200) email is looked up in the
// database. Then the price of durability: the server's default (WAL + synchronous=NORMAL, survives a process
// crash) against synchronous=FULL (an fsync per commit, what surviving power loss needs), end to end through
// the unmodified server (forced by a preload shim, bench/lib/sync-full.mjs) and as raw inserts through the
// app's own SendLog.record (SQLite) on the same schema.
//
//   npm run build && node --import tsx bench/durability.ts
//
// Knobs: BENCH_KILL_ROUNDS (3), BENCH_KILL_AFTER (s, 3), BENCH_DURATION (s per throughput run, 10),
// BENCH_ROUNDS (3), BENCH_RAW_DURATION (s per raw run, 5).
import { join } from 'node:path';
import { createMessage } from '../src/core/message.js';
import { storesOver } from '../src/store/sqlite/open.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { blast, summarize, type BlastResult, type Latency } from './lib/load.js';
import { logIdOf, MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { removeDir, prepareBuild, ROOT, sandboxConfig, startGateway, tempDir, type Gateway } from './lib/server.js';
import { fmt, knob, load1, machine, median, ms, printTable, ratio, verdict, writeResults } from './lib/report.js';
import { checkAcknowledged } from './lib/verify.js';

const KILL_ROUNDS = knob('BENCH_KILL_ROUNDS', 3, 20);
const KILL_AFTER = knob('BENCH_KILL_AFTER', 3, 60);
const DURATION = knob('BENCH_DURATION', 10, 120);
const ROUNDS = knob('BENCH_ROUNDS', 3, 10);
const RAW_DURATION = knob('BENCH_RAW_DURATION', 5, 60);
const CONNECTIONS = 32;
const SHIM = join(ROOT, 'bench/lib/sync-full.mjs');
const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS, connections: CONNECTIONS };

interface KillRound {
  acknowledged: number;
  missing: number;
  missingIds: number[];
  rowsAfterRestart: number;
  storedNotAcknowledged: number;
  sentBeforeKill: number;
  restartHealthy: boolean;
  restartMs: number;
}

async function killRound(): Promise<KillRound> {
  const gw = await startGateway({ config: sandboxConfig });
  const ids = new Set<number>();
  let acknowledged = 0;
  const abort = new AbortController();
  const killer = setTimeout(async () => {
    await gw.kill(); // SIGKILL: no shutdown handler runs
    setTimeout(() => abort.abort(), 300);
  }, KILL_AFTER * 1000);
  try {
    await blast({
      url: gw.url,
      ...send,
      durationS: KILL_AFTER + 10,
      signal: abort.signal,
      onResponse: (status, body) => {
        if (status !== 200) return;
        acknowledged++;
        const id = logIdOf(body);
        if (id !== undefined) ids.add(id);
      },
    });
  } finally {
    clearTimeout(killer);
    await gw.kill();
  }
  // Restart on the same files: SQLite recovers the WAL; then stop cleanly and look every acknowledged id up.
  const again = await startGateway({ dir: gw.dir });
  const health = await (await fetch(`${again.url}/api/health`)).json().catch(() => ({}));
  await again.stop();
  const check = checkAcknowledged(gw.databasePath, ids, 'sandbox');
  removeDir(gw.dir);
  return {
    acknowledged,
    missing: check.missing + (acknowledged - ids.size),
    missingIds: check.missingIds,
    rowsAfterRestart: check.rows,
    storedNotAcknowledged: check.rows - (acknowledged - check.missing),
    sentBeforeKill: acknowledged,
    restartHealthy: (health as any)?.db_connected === true,
    restartMs: again.listeningAfterMs,
  };
}

/** Inserts per second through the app's own SendLog.record (autocommit, one transaction per email, as the server does). */
async function rawInserts(synchronous: 'NORMAL' | 'FULL'): Promise<{ rate: number; latency: Latency }> {
  const dir = tempDir(`raw-${synchronous.toLowerCase()}`);
  const db = openDatabase(join(dir, 'emails.db'));
  db.pragma(`synchronous = ${synchronous}`);
  const stores = storesOver(db);
  const store = stores.log;
  const message = createMessage(JSON.parse(MESSAGE_1KB));
  const times: number[] = [];
  const t0 = performance.now();
  const until = t0 + RAW_DURATION * 1000;
  let n = 0;
  while (performance.now() < until && n < 5_000_000) {
    const t = performance.now();
    await store.record({ source: 'api', status: 'sandbox', message, processingTimeMs: 0.1 });
    times.push(performance.now() - t);
    n++;
  }
  const seconds = (performance.now() - t0) / 1000;
  await stores.close();
  removeDir(dir);
  return { rate: n / seconds, latency: summarize(times) };
}

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`durability bench: ${KILL_ROUNDS} × SIGKILL after ${KILL_AFTER} s of ${CONNECTIONS}-connection sandbox load; load ${info.loadavg_at_start.join(' ')}`);
  const kills: KillRound[] = [];
  for (let i = 0; i < KILL_ROUNDS; i++) {
    const k = await killRound();
    kills.push(k);
    console.log(`  kill ${i + 1}: ${k.acknowledged} acknowledged, ${k.missing} missing after restart, ${k.storedNotAcknowledged} stored but unanswered (in flight at the kill), restart healthy ${k.restartHealthy}`);
  }

  // End to end: the same server binary, default vs synchronous=FULL.
  let normal: Gateway | undefined;
  let full: Gateway | undefined;
  const e2e: Record<'normal' | 'full', (BlastResult & { others: number })[]> = { normal: [], full: [] };
  try {
    normal = await startGateway({ config: sandboxConfig });
    full = await startGateway({ config: sandboxConfig, nodeArgs: ['--import', SHIM] });
    if (!/synchronous=2/.test(full.stderr())) throw new Error(`the synchronous=FULL shim did not take effect: ${full.stderr()}`);
    await blast({ url: normal.url, ...send, durationS: 3 });
    await blast({ url: full.url, ...send, durationS: 3 });
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['normal', 'full'] as const) : (['full', 'normal'] as const);
      for (const who of order) {
        const { value: r, others } = await guarded([normal.pid, full.pid], () => blast({ url: (who === 'normal' ? normal! : full!).url, ...send, durationS: DURATION }));
        e2e[who].push({ ...r, others });
        console.log(`  round ${round + 1} server synchronous=${who.toUpperCase().padEnd(6)} ${fmt(r.rps)} req/s  p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)}  others ${fmt(others, 2)} cores`);
      }
    }
  } finally {
    await normal?.kill();
    await full?.kill();
    for (const g of [normal, full]) if (g) removeDir(g.dir);
  }

  const raw: Record<'NORMAL' | 'FULL', { rate: number; latency: Latency; others: number }[]> = { NORMAL: [], FULL: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['NORMAL', 'FULL'] as const) : (['FULL', 'NORMAL'] as const)) {
      const { value: r, others } = await guarded([], () => rawInserts(mode));
      raw[mode].push({ ...r, others });
      console.log(`  round ${round + 1} raw SendLog.record synchronous=${mode.padEnd(6)} ${fmt(r.rate)} inserts/s  p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} max ${ms(r.latency.max)}  others ${fmt(others, 2)} cores`);
    }
  }

  const missing = kills.reduce((s, k) => s + k.missing, 0);
  const acked = kills.reduce((s, k) => s + k.acknowledged, 0);
  const nRps = median(e2e.normal.map((r) => r.rps));
  const fRps = median(e2e.full.map((r) => r.rps));
  const nRaw = median(raw.NORMAL.map((r) => r.rate));
  const fRaw = median(raw.FULL.map((r) => r.rate));
  printTable('Durability (sandbox, 1 KB)', [
    { figure: `acknowledged missing after SIGKILL + restart (${KILL_ROUNDS} kills)`, value: String(missing), reference: `${acked} acknowledged, ${kills.reduce((s, k) => s + k.storedNotAcknowledged, 0)} stored but unanswered`, target: '0', result: verdict(missing === 0 && kills.every((k) => k.restartHealthy)) },
    { figure: `server throughput, synchronous=NORMAL (default), ${CONNECTIONS} conn`, value: `${fmt(nRps)} req/s`, result: 'info' },
    { figure: `server throughput, synchronous=FULL (shim), ${CONNECTIONS} conn`, value: `${fmt(fRps)} req/s`, reference: `${fmt(nRps)} NORMAL`, ratio: ratio(fRps, nRps), result: 'info' },
    { figure: 'raw SendLog.record, synchronous=NORMAL', value: `${fmt(nRaw)} /s`, reference: `p50 ${ms(median(raw.NORMAL.map((r) => r.latency.p50)))}`, result: 'info' },
    { figure: 'raw SendLog.record, synchronous=FULL', value: `${fmt(fRaw)} /s`, reference: `p50 ${ms(median(raw.FULL.map((r) => r.latency.p50)))}`, ratio: ratio(fRaw, nRaw), result: 'info' },
  ]);
  writeResults('durability', {
    machine: info,
    build,
    loadavg_at_end: load1(),
    settings: { killRounds: KILL_ROUNDS, killAfterS: KILL_AFTER, connections: CONNECTIONS, durationS: DURATION, rounds: ROUNDS, rawDurationS: RAW_DURATION },
    kills,
    missing,
    server: { normal_rps: nRps, full_rps: fRps, ratio: fRps / nRps, runs: e2e },
    raw: { normal_per_s: nRaw, full_per_s: fRaw, ratio: fRaw / nRaw, runs: raw },
  });
  if (missing !== 0) process.exitCode = 1;
}

await main();
