// SPEC section 9, "bad input of any kind": every request up to 10 MiB, of any shape, is answered within 1 s
// with < 100 MB of memory growth, and /api/health keeps answering meanwhile. Each bomb is sent to the real
// server (sandbox mode, so an accepted one is only captured) BENCH_BOMB_ROUNDS times; per bomb: the answer,
// the slowest answer time, the largest RSS growth (VmHWM after − VmRSS before, the peak reset before each
// send), and the slowest /api/health answer while the bomb was in flight (polled back to back).
//
//   npm run build && node --import tsx bench/bombs.ts
//
// Knobs: BENCH_BOMB_ROUNDS (3). It waits (bounded, BENCH_MAX_WAIT) for a quiet machine before each bomb and
// records what other processes used meanwhile.
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { guarded } from './lib/quiet.js';
import { peakRssMb, prepareBuild, removeDir, rssMb, sandboxConfig, startGateway } from './lib/server.js';
import { fmt, knob, load1, machine, ms, printTable, verdict, writeResults } from './lib/report.js';

const ROUNDS = knob('BENCH_BOMB_ROUNDS', 3, 20);
const MIB = 1024 * 1024;

const email = { from: 'Bench <sender@bench.test>', to: ['rcpt@bench.test'], subject: 'Bomb', body_text: 'x' };
/** The email as JSON with `field` set to raw JSON text (far bigger than a JS value would comfortably be). */
const withRaw = (field: string, raw: string) => Buffer.from(JSON.stringify({ ...email, [field]: '__RAW__' }).replace('"__RAW__"', raw));
const json = (o: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...email, ...o }));
const long = 'x'.repeat(100_000);
const spaces = ' '.repeat(100_000);
const crafted = `a${' '.repeat(990)}<`; // within the 998 limit: reaches the address parser

const addressFields: [string, (v: string) => Record<string, unknown>][] = [
  ['from', (v) => ({ from: v })],
  ['to', (v) => ({ to: [v] })],
  ['cc', (v) => ({ cc: [v] })],
  ['bcc', (v) => ({ bcc: [v] })],
  ['reply_to', (v) => ({ reply_to: v })],
];

const BOMBS: [string, () => Buffer][] = [
  ['array bomb: `to` with 5 000 000 numbers (10 MiB)', () => withRaw('to', `[${'1,'.repeat(5_000_000)}1]`)],
  ['`to` with 99 000 numbers (under the value cap)', () => withRaw('to', `[${'1,'.repeat(99_000)}1]`)],
  ...addressFields.map(([f, put]): [string, () => Buffer] => [`regex bomb in ${f}: 100 000 spaces`, () => json(put(spaces))]),
  ...addressFields.map(([f, put]): [string, () => Buffer] => [`regex bomb in ${f}: 998-character "a   …   <"`, () => json(put(crafted))]),
  [
    '100 000-character strings in every field',
    () =>
      json({
        from: long, to: [long], cc: [long], bcc: [long], reply_to: long, subject: long, body_text: long, body_html: long,
        headers: { [long]: long }, attachments: [{ filename: long, content: long, content_type: long }], tags: { [long]: long },
      }),
  ],
  ['deep nesting: 5 000 000 `[` in `from` (10 MiB)', () => withRaw('from', `${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}`)],
  ['`headers` with 99 000 keys (over the member cap)', () => withRaw('headers', `{${Array.from({ length: 99_000 }, (_, i) => `"X-${i}":"v"`).join(',')}}`)],
  ['`headers` with 9 900 keys (under the member cap)', () => withRaw('headers', `{${Array.from({ length: 9_900 }, (_, i) => `"X-${i}":"v"`).join(',')}}`)],
  ['99 objects × 100 distinct keys in an unknown field', () => withRaw('extra', `[${Array.from({ length: 99 }, (_, j) => `{${Array.from({ length: 100 }, (_, i) => `"k${j}_${i}":1`).join(',')}}`).join(',')}]`)],
  ['base64 attachment of 7.4 MB, valid (accepted)', () => json({ attachments: [{ filename: 'big.bin', content: Buffer.alloc(5.5 * MIB, 7).toString('base64') }] })],
  ['base64 attachment of 7.4 MB, one bad byte at the end', () => json({ attachments: [{ filename: 'big.bin', content: `${Buffer.alloc(5.5 * MIB, 7).toString('base64').slice(0, -4)}!!==` }] })],
  ['10 MiB body that is not UTF-8', () => Buffer.concat([Buffer.from('{"subject":"'), Buffer.alloc(10 * MIB - 20, 0xff), Buffer.from('"}')])],
  ['10.5 MiB body, no Expect: 100-continue', () => json({ body_text: 'x'.repeat(10.5 * MIB) })],
];

/** POSTs the whole body before reading (as urllib does); resolves with the status and the time to the answer's end. */
function post(url: string, body: Buffer): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(`${url}/api/send`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });
function health(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(`${url}/api/health`, { agent: healthAgent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`health ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Shot {
  status: number;
  ms: number;
  grown_mb: number;
  worst_health_ms: number;
  health_checks: number;
}

async function fire(url: string, pid: number, body: Buffer): Promise<Shot> {
  writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM starts again from the current RSS
  const before = rssMb(pid);
  let inFlight = true;
  const latencies: number[] = [];
  const poll = (async () => {
    while (inFlight) latencies.push(await health(url));
  })();
  const answer = await post(url, body);
  inFlight = false;
  await poll;
  return { ...answer, grown_mb: peakRssMb(pid) - before, worst_health_ms: Math.max(0, ...latencies), health_checks: latencies.length };
}

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`bombs bench; load ${info.loadavg_at_start.join(' ')}; ${ROUNDS} rounds per bomb`);
  const gw = await startGateway({ config: sandboxConfig });
  const results = [];
  try {
    for (const [name, make] of BOMBS) {
      const body = make();
      const shots: Shot[] = [];
      const others: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const g = await guarded([gw.pid], () => fire(gw.url, gw.pid, body), 1);
        shots.push(g.value);
        others.push(g.others);
      }
      const worst = {
        status: [...new Set(shots.map((s) => s.status))].join('/'),
        ms: Math.max(...shots.map((s) => s.ms)),
        grown_mb: Math.max(...shots.map((s) => s.grown_mb)),
        worst_health_ms: Math.max(...shots.map((s) => s.worst_health_ms)),
      };
      console.log(`  ${name}: ${worst.status} in ≤ ${fmt(worst.ms)} ms, RSS +${fmt(worst.grown_mb)} MB, health ≤ ${fmt(worst.worst_health_ms)} ms; others ${others.map((o) => fmt(o, 2)).join(', ')} cores`);
      results.push({ name, bytes: body.length, ...worst, shots, others_cores: others });
    }
  } finally {
    await gw.kill();
    removeDir(gw.dir);
  }
  printTable(
    `Bombs (slowest of ${ROUNDS}; machine shared: see others_cores in the JSON)`,
    results.map((r) => ({
      figure: `${r.name} → ${r.status}`,
      value: `${ms(r.ms)}, +${fmt(r.grown_mb)} MB`,
      reference: `health ≤ ${ms(r.worst_health_ms)}`,
      target: '< 1 s, < 100 MB',
      result: verdict(r.ms < 1000 && r.grown_mb < 100 && r.status !== '0'),
    })),
  );
  writeResults('bombs', { machine: info, build, loadavg_at_end: load1(), rounds: ROUNDS, results });
}

await main();
