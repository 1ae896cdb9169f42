// Analysis, not a SPEC figure: how much a change to the server would buy on the sandbox figures, tried on the
// unmodified build through a preload shim (bench/lib/shim-*.mjs) rather than by editing src/: the config.json
// change check (a statSync per ConfigStore.current()) once per event-loop turn. (Its other variant, WAL
// checkpoints in a worker thread, became the real thing: src/store/sqlite/checkpointer.ts.)
// Each variant: sandbox throughput (1 KB, 64 connections) and p99 at a steady 1 000 req/s, rounds alternating.
//
//   npm run build && node --import tsx bench/what-if.ts
//
// Knobs: BENCH_DURATION (s per run, 10), BENCH_ROUNDS (3), BENCH_RATE (1000).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { blast, paced } from './lib/load.js';
import { MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { prepareBuild, removeDir, ROOT, sandboxConfig, startGateway, type Gateway } from './lib/server.js';
import { fmt, knob, machine, median, ms, printTable, ratio, writeResults } from './lib/report.js';

const DURATION = knob('BENCH_DURATION', 10, 120);
const ROUNDS = knob('BENCH_ROUNDS', 3, 10);
const RATE = knob('BENCH_RATE', 1000, 20_000);
const shim = (name: string) => ['--import', join(ROOT, 'bench/lib', `shim-${name}.mjs`)];
const VARIANTS: { name: string; nodeArgs: string[] }[] = [
  { name: 'as built', nodeArgs: [] },
  { name: 'config stat once per turn', nodeArgs: shim('config-stat-per-turn') },
];

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`what-if: ${VARIANTS.length} variants, ${DURATION} s × ${ROUNDS} rounds; sandbox, 1 KB`);
  const servers: Gateway[] = [];
  const send = { path: '/api/send', method: 'POST' as const, body: MESSAGE_1KB, headers: SEND_HEADERS };
  const results: Record<string, { rps: number[]; p99: number[]; p50: number[]; others: number[] }> = {};
  try {
    for (const v of VARIANTS) servers.push(await startGateway({ config: sandboxConfig, nodeArgs: v.nodeArgs }));
    for (const [i, gw] of servers.entries()) await blast({ url: gw.url, ...send, connections: 64, durationS: 3 }), void i;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? VARIANTS.map((_, i) => i) : VARIANTS.map((_, i) => VARIANTS.length - 1 - i);
      for (const i of order) {
        const gw = servers[i];
        const r = (results[VARIANTS[i].name] ??= { rps: [], p99: [], p50: [], others: [] });
        const t = await guarded(servers.map((s) => s.pid), () => blast({ url: gw.url, ...send, connections: 64, durationS: DURATION }));
        const l = await guarded(servers.map((s) => s.pid), () => paced({ url: gw.url, ...send, rate: RATE, durationS: DURATION }));
        r.rps.push(t.value.rps);
        r.p99.push(l.value.latency.p99);
        r.p50.push(l.value.latency.p50);
        r.others.push(Math.max(t.others, l.others));
        console.log(`  round ${round + 1} ${VARIANTS[i].name.padEnd(32)} ${fmt(t.value.rps)} req/s; at ${RATE}/s p50 ${ms(l.value.latency.p50)} p99 ${ms(l.value.latency.p99)}; WAL ${fmt(walMb(gw), 1)} MB; others ≤ ${fmt(Math.max(t.others, l.others), 2)} cores`);
      }
    }
  } finally {
    for (const gw of servers) {
      await gw.kill();
      removeDir(gw.dir);
    }
  }
  const base = median(results[VARIANTS[0].name].rps);
  printTable(
    'What-if (sandbox, 1 KB): unmodified build + preload shims',
    VARIANTS.map((v) => {
      const r = results[v.name];
      return { figure: v.name, value: `${fmt(median(r.rps))} req/s`, reference: `p50 ${ms(median(r.p50))}, p99 ${ms(median(r.p99))} at ${RATE}/s`, ratio: ratio(median(r.rps), base), result: 'info' as const };
    }),
  );
  writeResults('what-if', { machine: info, build, settings: { durationS: DURATION, rounds: ROUNDS, rate: RATE }, results });
}

function walMb(gw: Gateway): number {
  try {
    return statSync(`${gw.databasePath}-wal`).size / 2 ** 20;
  } catch {
    return 0;
  }
}

await main();
