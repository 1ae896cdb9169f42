// SPEC section 10, sandbox figures: POST /api/send throughput (1 KB message, 64 connections) against a bare
// node:http server that reads and JSON.parses the same body, with every acknowledged email checked in
// SQLite afterwards; and latency at a steady 1 000 req/s.
//
//   npm run build && node --import tsx bench/sandbox.ts
//
// Knobs: BENCH_DURATION (s per run, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s, 3), BENCH_RATE (1000).
import { blast, paced, type BlastResult, type PacedResult } from './lib/load.js';
import { logIdOf, MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { cpuSeconds, peakRssMb, prepareBuild, removeDir, sandboxConfig, startGateway, startReference } from './lib/server.js';
import { fmt, knob, load1, machine, median, ms, printTable, ratio, verdict, writeResults } from './lib/report.js';
import { checkAcknowledged } from './lib/verify.js';

const DURATION = knob('BENCH_DURATION', 10, 120);
const ROUNDS = knob('BENCH_ROUNDS', 3, 10);
const WARMUP = knob('BENCH_WARMUP', 3, 60);
const RATE = knob('BENCH_RATE', 1000, 20_000);
const CONNECTIONS = 64;

type Run = BlastResult & { serverCpuPct: number; others: number };

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`sandbox bench: ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds (median), 1 KB body; load ${info.loadavg_at_start.join(' ')}`);
  const gw = await startGateway({ config: sandboxConfig });
  const bare = await startReference('bare-json');
  const pids = [gw.pid, bare.pid];
  const ids = new Set<number>();
  let unparsed200 = 0;
  let acknowledged = 0;
  const collect = (status: number, body: string) => {
    if (status !== 200) return;
    acknowledged++;
    const id = logIdOf(body);
    if (id === undefined) unparsed200++;
    else ids.add(id);
  };
  const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS };
  const runs: Record<'gateway' | 'bare', Run[]> = { gateway: [], bare: [] };
  try {
    await blast({ url: gw.url, ...send, connections: CONNECTIONS, durationS: WARMUP, onResponse: collect });
    await blast({ url: bare.url, ...send, connections: CONNECTIONS, durationS: WARMUP });
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first so neither always gets the quieter machine.
      const order = round % 2 === 0 ? (['gateway', 'bare'] as const) : (['bare', 'gateway'] as const);
      for (const who of order) {
        const target = who === 'gateway' ? gw : bare;
        gw.assertAlive();
        bare.assertAlive();
        const { value, others } = await guarded(pids, async () => {
          const cpu0 = cpuSeconds(target.pid);
          const r = await blast({ url: target.url, ...send, connections: CONNECTIONS, durationS: DURATION, onResponse: who === 'gateway' ? collect : undefined });
          return { ...r, serverCpuPct: ((cpuSeconds(target.pid) - cpu0) / r.durationS) * 100 };
        });
        const r = { ...value, others };
        runs[who].push(r);
        console.log(
          `  round ${round + 1} ${who.padEnd(7)} ${fmt(r.rps)} req/s  p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)}  non-2xx ${r.ok === r.statuses['200'] ? 0 : JSON.stringify(r.statuses)} errors ${r.errors}  server cpu ${fmt(r.serverCpuPct)}%  client cpu ${fmt((r.clientCpuS / r.durationS) * 100)}%  others ${fmt(others, 2)} cores`,
        );
      }
    }
    const peakRss = peakRssMb(gw.pid);

    // Steady-rate latency: open loop, request written → response complete (the figure; the bare server shows
    // the floor of what this client and machine can measure), and autocannon's overallRate for comparison.
    const latency: Record<'gateway' | 'bare', (PacedResult & { others: number })[]> = { gateway: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of ['gateway', 'bare'] as const) {
        const target = who === 'gateway' ? gw : bare;
        target.assertAlive();
        const { value: r, others } = await guarded(pids, () => paced({ url: target.url, ...send, rate: RATE, durationS: DURATION, onResponse: who === 'gateway' ? collect : undefined }));
        latency[who].push({ ...r, others });
        console.log(
          `  steady ${RATE}/s ${who.padEnd(7)} achieved ${fmt(r.rate)} req/s  p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} p99.9 ${ms(r.latency.p999)} max ${ms(r.latency.max)} (from due: p50 ${ms(r.fromDue.p50)} p99 ${ms(r.fromDue.p99)})  errors ${r.errors}  others ${fmt(others, 2)} cores`,
        );
      }
    }
    const { value: acRate, others: acOthers } = await guarded(pids, () => blast({ url: gw.url, ...send, connections: 10, durationS: DURATION, overallRate: RATE, onResponse: collect }));
    console.log(`  autocannon overallRate ${RATE} (10 connections) gateway: p50 ${ms(acRate.latency.p50)} p99 ${ms(acRate.latency.p99)} (autocannon's own whole-ms histogram: p50 ${acRate.autocannon.p50} ms, p99 ${acRate.autocannon.p99} ms)  others ${fmt(acOthers, 2)} cores`);

    const code = await gw.stop();
    const check = checkAcknowledged(gw.databasePath, ids, 'sandbox');

    const g = median(runs.gateway.map((r) => r.rps));
    const b = median(runs.bare.map((r) => r.rps));
    const cpuPerReq = (who: 'gateway' | 'bare') => median(runs[who].map((r) => ((r.serverCpuPct / 100) * r.durationS * 1e6) / r.ok));
    const gCpu = cpuPerReq('gateway');
    const bCpu = cpuPerReq('bare');
    const p99 = median(latency.gateway.map((r) => r.latency.p99));
    const p50 = median(latency.gateway.map((r) => r.latency.p50));
    const bareP99 = median(latency.bare.map((r) => r.latency.p99));
    const bareP50 = median(latency.bare.map((r) => r.latency.p50));
    // Every 200 carried a distinct log id that is in the database; rows beyond that were in flight when a run ended.
    const allStored = check.missing === 0 && unparsed200 === 0 && ids.size === acknowledged && check.rows >= acknowledged;
    printTable('Sandbox POST /api/send (1 KB)', [
      { figure: `throughput, ${CONNECTIONS} connections (median req/s)`, value: fmt(g), reference: `${fmt(b)} bare node:http + JSON.parse`, ratio: ratio(g, b), target: '≥ 0.50×', result: verdict(g / b >= 0.5) },
      { figure: 'server CPU per request (µs)', value: fmt(gCpu), reference: fmt(bCpu), ratio: ratio(bCpu, gCpu), result: 'info' },
      { figure: 'acknowledged missing from SQLite', value: String(check.missing), reference: `${acknowledged} acknowledged, ${check.acknowledged} distinct ids checked, ${check.rows} rows`, target: '0', result: verdict(allStored) },
      { figure: `latency at steady ${RATE} req/s, p50`, value: ms(p50), reference: ms(bareP50), result: 'info' },
      { figure: `latency at steady ${RATE} req/s, p99`, value: ms(p99), reference: ms(bareP99), target: '< 2 ms', result: verdict(p99 < 2) },
      { figure: `p99 with autocannon overallRate ${RATE} (bursty)`, value: ms(acRate.latency.p99), result: 'info' },
      { figure: 'peak RSS after this load (VmHWM)', value: `${fmt(peakRss)} MB`, target: '< 200 MB', result: verdict(peakRss < 200) },
    ]);
    writeResults('sandbox', {
      machine: info,
      build,
      loadavg_at_end: load1(),
      settings: { connections: CONNECTIONS, durationS: DURATION, rounds: ROUNDS, warmupS: WARMUP, rate: RATE, bodyBytes: MESSAGE_1KB.length },
      throughput: { gateway_rps: g, bare_rps: b, ratio: g / b, gateway_cpu_us_per_request: gCpu, bare_cpu_us_per_request: bCpu, runs },
      acknowledged: { total_200: acknowledged, ids_checked: check.acknowledged, missing: check.missing, missing_ids: check.missingIds, rows: check.rows, wrong_status: check.wrongStatus, unparsed200 },
      latency: { rate: RATE, gateway_p50: p50, gateway_p99: p99, bare_p50: bareP50, bare_p99: bareP99, paced: latency, autocannon_overallRate: { ...acRate, others: acOthers } },
      peak_rss_mb: peakRss,
      server_exit_code: code,
    });
    if (!allStored) process.exitCode = 1;
  } finally {
    await gw.kill();
    await bare.stop();
    removeDir(gw.dir);
  }
}

await main();
