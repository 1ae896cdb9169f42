// SPEC section 10, relay figures: smart mode with one Resend provider pointed at a local fake of the Resend
// API. Throughput through the gateway (64 connections) against the bare node:http relay (bench/refs/bare-relay.ts:
// parse, forward to the same fake over keep-alive, answer with its id) — the target's reference — and, for
// information, autocannon straight at the fake; and the latency the relay adds at a steady 500 req/s (p50
// through the gateway minus p50 direct).
//
//   npm run build && node --import tsx bench/relay.ts
//
// Knobs: BENCH_DURATION (s per run, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s, 3), BENCH_RELAY_RATE (500).
import { createMessage } from '../src/core/message.js';
import { toResendPayload } from '../src/providers/resend.js';
import { USER_AGENT } from '../src/version.js';
import { blast, paced, type BlastResult, type PacedResult } from './lib/load.js';
import { logIdOf, MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { cpuSeconds, peakRssMb, removeDir, prepareBuild, startGateway, startReference } from './lib/server.js';
import { fmt, knob, load1, machine, median, ms, printTable, ratio, verdict, writeResults } from './lib/report.js';
import { checkAcknowledged } from './lib/verify.js';

const DURATION = knob('BENCH_DURATION', 10, 120);
const ROUNDS = knob('BENCH_ROUNDS', 3, 10);
const WARMUP = knob('BENCH_WARMUP', 3, 60);
const RATE = knob('BENCH_RELAY_RATE', 500, 20_000);
const CONNECTIONS = 64;
const API_KEY = 're_bench_0123456789abcdef';

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`relay bench: smart mode, one Resend provider → local fake; ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} rounds (median); load ${info.loadavg_at_start.join(' ')}`);
  const fake = await startReference('fake-resend');
  const bare = await startReference('bare-relay', { UPSTREAM: fake.url, API_KEY });
  const gw = await startGateway({
    config: {
      providers: [{ id: 'fake-resend', name: 'Fake Resend', type: 'resend', enabled: true, weight: 100, api_key: API_KEY, base_url: fake.url }],
      routing: { mode: 'smart', sandbox: false, rules: [] },
      version: 1,
    },
  });
  // The reference sends the fake exactly what the gateway sends it for the same message.
  const direct = {
    path: '/emails',
    method: 'POST' as const,
    body: JSON.stringify(toResendPayload(createMessage(JSON.parse(MESSAGE_1KB)))),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, 'user-agent': USER_AGENT, accept: 'application/json', 'idempotency-key': crypto.randomUUID() },
  };
  const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS };
  const ids = new Set<number>();
  let acknowledged = 0;
  let notSuccess = 0;
  const collect = (status: number, body: string) => {
    if (status !== 200) return;
    acknowledged++;
    if (!body.includes('"status":"success"')) notSuccess++;
    const id = logIdOf(body);
    if (id !== undefined) ids.add(id);
  };
  const runs: Record<'gateway' | 'bare' | 'direct', (BlastResult & { serverCpuPct: number; fakeCpuPct: number; others: number })[]> = { gateway: [], bare: [], direct: [] };
  try {
    await blast({ url: gw.url, ...send, connections: CONNECTIONS, durationS: WARMUP, onResponse: collect });
    await blast({ url: fake.url, ...direct, connections: CONNECTIONS, durationS: WARMUP });
    await blast({ url: bare.url, ...send, connections: CONNECTIONS, durationS: WARMUP });
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['gateway', 'bare', 'direct'] as const) : (['direct', 'bare', 'gateway'] as const);
      for (const who of order) {
        gw.assertAlive();
        fake.assertAlive();
        bare.assertAlive();
        // "server" is whoever relays in this run: the gateway or the bare relay (none for direct).
        const relay = who === 'bare' ? bare : gw;
        const { value, others } = await guarded([gw.pid, fake.pid, bare.pid], async () => {
          const relay0 = cpuSeconds(relay.pid);
          const fake0 = cpuSeconds(fake.pid);
          const r =
            who === 'gateway'
              ? await blast({ url: gw.url, ...send, connections: CONNECTIONS, durationS: DURATION, onResponse: collect })
              : who === 'bare'
                ? await blast({ url: bare.url, ...send, connections: CONNECTIONS, durationS: DURATION })
                : await blast({ url: fake.url, ...direct, connections: CONNECTIONS, durationS: DURATION });
          return { ...r, serverCpuPct: ((cpuSeconds(relay.pid) - relay0) / r.durationS) * 100, fakeCpuPct: ((cpuSeconds(fake.pid) - fake0) / r.durationS) * 100 };
        });
        const r = { ...value, others };
        runs[who].push(r);
        console.log(
          `  round ${round + 1} ${who.padEnd(7)} ${fmt(r.rps)} req/s  p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)}  statuses ${JSON.stringify(r.statuses)} errors ${r.errors}  gateway cpu ${fmt(r.serverCpuPct)}%  fake cpu ${fmt(r.fakeCpuPct)}%  client cpu ${fmt((r.clientCpuS / r.durationS) * 100)}%  others ${fmt(others, 2)} cores`,
        );
      }
    }
    const peakRss = peakRssMb(gw.pid);

    const latency: Record<'gateway' | 'direct', (PacedResult & { others: number })[]> = { gateway: [], direct: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of ['gateway', 'direct'] as const) {
        gw.assertAlive();
        fake.assertAlive();
        const { value: r, others } = await guarded([gw.pid, fake.pid, bare.pid], () =>
          who === 'gateway' ? paced({ url: gw.url, ...send, rate: RATE, durationS: DURATION, onResponse: collect }) : paced({ url: fake.url, ...direct, rate: RATE, durationS: DURATION }),
        );
        latency[who].push({ ...r, others });
        console.log(`  steady ${RATE}/s ${who.padEnd(7)} achieved ${fmt(r.rate)} req/s  p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} (from due: p50 ${ms(r.fromDue.p50)})  statuses ${JSON.stringify(r.statuses)} errors ${r.errors}  others ${fmt(others, 2)} cores`);
      }
    }
    const accepted = (await (await fetch(`${fake.url}/count`)).json()) as { accepted: number };
    await gw.stop();
    const check = checkAcknowledged(gw.databasePath, ids, 'success');

    const g = median(runs.gateway.map((r) => r.rps));
    const d = median(runs.direct.map((r) => r.rps));
    const b = median(runs.bare.map((r) => r.rps));
    // Added latency per round (same round, back to back), then the median over rounds.
    const added = median(latency.gateway.map((r, i) => r.latency.p50 - latency.direct[i].latency.p50));
    const gP50 = median(latency.gateway.map((r) => r.latency.p50));
    const dP50 = median(latency.direct.map((r) => r.latency.p50));
    const gP99 = median(latency.gateway.map((r) => r.latency.p99));
    const dP99 = median(latency.direct.map((r) => r.latency.p99));
    const cpuPerReq = (rs: typeof runs.gateway, pick: (r: (typeof runs.gateway)[number]) => number) => median(rs.map((r) => ((pick(r) / 100) * r.durationS * 1e6) / r.ok));
    const gCpu = cpuPerReq(runs.gateway, (r) => r.serverCpuPct);
    const fakeCpuViaGw = cpuPerReq(runs.gateway, (r) => r.fakeCpuPct);
    const fakeCpuDirect = cpuPerReq(runs.direct, (r) => r.fakeCpuPct);
    const consistent = check.missing === 0 && check.wrongStatus === 0 && notSuccess === 0 && ids.size === acknowledged;
    printTable('Relay: smart mode, one Resend provider → local fake (1 KB)', [
      { figure: `throughput, ${CONNECTIONS} connections (median req/s)`, value: fmt(g), reference: `${fmt(b)} bare node:http relay`, ratio: ratio(g, b), target: '≥ 0.75×', result: verdict(g / b >= 0.75) },
      { figure: 'bare relay vs autocannon straight at the fake', value: fmt(b), reference: `${fmt(d)} direct`, ratio: ratio(b, d), result: 'info' },
      { figure: `p50 at steady ${RATE} req/s`, value: ms(gP50), reference: ms(dP50), result: 'info' },
      { figure: `added latency at ${RATE} req/s (p50 − p50 direct)`, value: ms(added), target: '< 1 ms', result: verdict(added < 1) },
      { figure: `p99 at steady ${RATE} req/s`, value: ms(gP99), reference: ms(dP99), result: 'info' },
      { figure: 'gateway CPU per relayed email (µs)', value: fmt(gCpu), reference: `fake: ${fmt(fakeCpuViaGw)} via gateway, ${fmt(fakeCpuDirect)} direct`, result: 'info' },
      { figure: 'acknowledged 200s stored as success', value: `${acknowledged - check.missing - check.wrongStatus}/${acknowledged}`, reference: `fake accepted ${accepted.accepted} in all`, result: verdict(consistent) },
    ]);
    writeResults('relay', {
      machine: info,
      build,
      loadavg_at_end: load1(),
      settings: { connections: CONNECTIONS, durationS: DURATION, rounds: ROUNDS, warmupS: WARMUP, rate: RATE, bodyBytes: MESSAGE_1KB.length, directBodyBytes: direct.body.length },
      throughput: { gateway_rps: g, bare_relay_rps: b, direct_rps: d, ratio: g / b, ratio_to_direct: g / d, gateway_cpu_us_per_request: gCpu, fake_cpu_us_per_request_via_gateway: fakeCpuViaGw, fake_cpu_us_per_request_direct: fakeCpuDirect, runs },
      latency: { rate: RATE, added_p50_ms: added, gateway_p50: gP50, direct_p50: dP50, gateway_p99: gP99, direct_p99: dP99, paced: latency },
      acknowledged: { total_200: acknowledged, not_success: notSuccess, missing: check.missing, wrong_status: check.wrongStatus, rows: check.rows, fake_accepted: accepted.accepted },
      peak_rss_mb: peakRss,
    });
    if (!consistent) process.exitCode = 1;
  } finally {
    await gw.kill();
    await bare.stop();
    await fake.stop();
    removeDir(gw.dir);
  }
}

await main();
