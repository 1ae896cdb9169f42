// Analysis, not a SPEC figure: what makes the slow requests at a steady 1 000 req/s slow. Runs the sandbox
// steady-rate load of bench/sandbox.ts against the server started with a preload (lib/shim-pauses.mjs) that
// records its main thread's GC pauses and event-loop stalls with absolute times, then sorts every request over
// 2 ms (the p99 target) by what overlapped it: a GC pause, another stall of the event loop (synchronous work:
// before issue 14 the WAL checkpoints inside commits), or nothing seen in the server (client, scheduler, I/O).
//
//   npm run build && node --import tsx bench/latency-causes.ts
//
// Knobs: BENCH_DURATION (s per run, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s, 3), BENCH_RATE (1000).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paced } from './lib/load.js';
import { MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { prepareBuild, removeDir, ROOT, sandboxConfig, startGateway, tempDir } from './lib/server.js';
import { fmt, knob, machine, median, ms, printTable, writeResults } from './lib/report.js';

const DURATION = knob('BENCH_DURATION', 10, 120);
const ROUNDS = knob('BENCH_ROUNDS', 3, 10);
const WARMUP = knob('BENCH_WARMUP', 3, 60);
const RATE = knob('BENCH_RATE', 1000, 20_000);
const SLOW_MS = 2;
/** slack for comparing the two processes' clocks (performance.timeOrigin), ms */
const SLACK_MS = 0.2;

type Span = [start: number, ms: number, kind?: number];
const GC_KIND: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental marking', 8: 'weak callbacks', 16: 'weak callbacks' };

const overlaps = (spans: readonly Span[], from: number, to: number) => spans.some(([s, d]) => s < to + SLACK_MS && s + d > from - SLACK_MS);
const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

async function main() {
  const build = await prepareBuild();
  const info = machine();
  const dir = tempDir('pauses');
  const out = join(dir, 'pauses.json');
  console.log(`latency causes: steady ${RATE} req/s, ${DURATION} s × ${ROUNDS} rounds, 1 KB sandbox send; load ${info.loadavg_at_start.join(' ')}`);
  const gw = await startGateway({ config: sandboxConfig, nodeArgs: ['--import', join(ROOT, 'bench/lib/shim-pauses.mjs')], env: { BENCH_PAUSES_OUT: out } });
  const send = { url: gw.url, path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS, rate: RATE };
  const rounds: { from: number; to: number; samples: [number, number][]; others: number }[] = [];
  try {
    await paced({ ...send, durationS: WARMUP });
    for (let round = 0; round < ROUNDS; round++) {
      const { value, others } = await guarded([gw.pid], async () => {
        const samples: [number, number][] = [];
        const from = performance.timeOrigin + performance.now();
        await paced({ ...send, durationS: DURATION, onSample: (at, t) => samples.push([at, t]) });
        return { from, to: performance.timeOrigin + performance.now(), samples };
      });
      rounds.push({ ...value, others });
      console.log(`  round ${round + 1}: ${value.samples.length} requests, others ${fmt(others, 2)} cores`);
    }
  } finally {
    await gw.stop();
  }
  const { gc, stalls } = JSON.parse(readFileSync(out, 'utf8')) as { gc: Span[]; stalls: Span[] };
  removeDir(gw.dir);
  removeDir(dir);

  const per = rounds.map((r) => {
    const inRound = (spans: Span[]) => spans.filter(([s]) => s >= r.from && s <= r.to);
    const g = inRound(gc);
    const st = inRound(stalls).filter(([s, d]) => !overlaps(g, s, s + d));
    const lat = r.samples.map(([, t]) => t).sort((a, b) => a - b);
    const slow = r.samples.filter(([, t]) => t > SLOW_MS);
    const byGc = slow.filter(([at, t]) => overlaps(g, at, at + t));
    const byStall = slow.filter(([at, t]) => !overlaps(g, at, at + t) && overlaps(st, at, at + t));
    const withoutGc = r.samples.filter(([at, t]) => !(t > SLOW_MS && overlaps(g, at, at + t))).map(([, t]) => t).sort((a, b) => a - b);
    const seconds = (r.to - r.from) / 1000;
    const gcMs = g.map(([, d]) => d).sort((a, b) => a - b);
    const kinds: Record<string, number> = {};
    for (const [, , k] of g) kinds[GC_KIND[k ?? 0] ?? `kind ${k}`] = (kinds[GC_KIND[k ?? 0] ?? `kind ${k}`] ?? 0) + 1 / seconds;
    return {
      requests: lat.length,
      p50: pct(lat, 0.5),
      p99: pct(lat, 0.99),
      slow: slow.length,
      slowGc: byGc.length,
      slowStall: byStall.length,
      slowOther: slow.length - byGc.length - byStall.length,
      p99WithoutGc: pct(withoutGc, 0.99),
      gcPerS: g.length / seconds,
      gcKindsPerS: kinds,
      gcPauseP50: pct(gcMs, 0.5),
      gcPauseP99: pct(gcMs, 0.99),
      gcPauseMax: gcMs.at(-1) ?? 0,
      gcMsPerS: gcMs.reduce((a, b) => a + b, 0) / seconds,
      stallsPerS: st.length / seconds,
      stallMsPerS: st.reduce((a, [, d]) => a + d, 0) / seconds,
      stallMax: Math.max(0, ...st.map(([, d]) => d)),
      others: r.others,
    };
  });
  for (const [i, r] of per.entries()) {
    console.log(
      `  round ${i + 1}: p50 ${ms(r.p50)} p99 ${ms(r.p99)}; ${r.slow} over ${SLOW_MS} ms (${fmt((r.slow / r.requests) * 100, 2)} %): GC ${r.slowGc}, other stall ${r.slowStall}, nothing seen ${r.slowOther}; ` +
        `GC ${fmt(r.gcPerS, 1)}/s ${JSON.stringify(Object.fromEntries(Object.entries(r.gcKindsPerS).map(([k, v]) => [k, Number(v.toFixed(1))])))} pause p50 ${ms(r.gcPauseP50)} p99 ${ms(r.gcPauseP99)} max ${ms(r.gcPauseMax)} (${fmt(r.gcMsPerS, 1)} ms/s); ` +
        `other stalls ${fmt(r.stallsPerS, 1)}/s max ${ms(r.stallMax)}; p99 without the GC-hit requests ${ms(r.p99WithoutGc)}`,
    );
  }
  const m = (f: (r: (typeof per)[number]) => number) => median(per.map(f));
  printTable(`Slow requests (> ${SLOW_MS} ms) at a steady ${RATE} req/s, by what overlapped them (median of ${ROUNDS})`, [
    { figure: 'latency p50 / p99', value: `${ms(m((r) => r.p50))} / ${ms(m((r) => r.p99))}`, result: 'info' },
    { figure: `requests over ${SLOW_MS} ms`, value: `${fmt(m((r) => r.slow))} of ${fmt(m((r) => r.requests))}`, result: 'info' },
    { figure: '… overlapping a GC pause', value: fmt(m((r) => r.slowGc)), result: 'info' },
    { figure: '… overlapping another event-loop stall', value: fmt(m((r) => r.slowStall)), result: 'info' },
    { figure: '… nothing seen in the server', value: fmt(m((r) => r.slowOther)), result: 'info' },
    { figure: 'GC pauses (main thread)', value: `${fmt(m((r) => r.gcPerS), 1)}/s, p50 ${ms(m((r) => r.gcPauseP50))}, max ${ms(m((r) => r.gcPauseMax))}, ${fmt(m((r) => r.gcMsPerS), 1)} ms/s`, result: 'info' },
    { figure: 'other event-loop stalls > 2 ms', value: `${fmt(m((r) => r.stallsPerS), 1)}/s, max ${ms(m((r) => r.stallMax))}`, result: 'info' },
    { figure: 'p99 if the GC-hit slow requests were fast', value: ms(m((r) => r.p99WithoutGc)), result: 'info' },
  ]);
  writeResults('latency-causes', { machine: info, build, settings: { rate: RATE, durationS: DURATION, rounds: ROUNDS, slowMs: SLOW_MS }, rounds: per });
}

await main();
