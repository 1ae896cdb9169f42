// SPEC section 10, footprint: peak RSS (VmHWM) of the server under the sandbox load (1 KB, 64 connections),
// and start-to-healthy time: spawn of `node dist/src/main.js` → first 200 from GET /api/health, first start
// in a fresh directory (config.json and the database created, migrations run), median of 5.
//
//   npm run build && node --import tsx bench/footprint.ts
//
// Knobs: BENCH_DURATION (s per load run, 10), BENCH_FOOTPRINT_ROUNDS (load runs, 6), BENCH_STARTS (5).
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { blast } from './lib/load.js';
import { MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { MAIN, peakRssMb, removeDir, prepareBuild, rssMb, sandboxConfig, startGateway, tempDir } from './lib/server.js';
import { fmt, knob, load1, machine, median, ms, printTable, verdict, writeResults } from './lib/report.js';

const DURATION = knob('BENCH_DURATION', 10, 120);
// 6 × 10 s: long enough for V8's heap to grow to its first major collections under this load.
const ROUNDS = knob('BENCH_FOOTPRINT_ROUNDS', 6, 30);
const STARTS = knob('BENCH_STARTS', 5, 50);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const healthStatus = (port: number) =>
  new Promise<number>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/health', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });

/** ms from spawn to the first 200 from /api/health, polling every 2 ms (bounded to 20 s). */
async function startToHealthy(): Promise<number> {
  const dir = tempDir('start');
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', HOME: dir, PORT: String(port), HOST: '127.0.0.1', SMTP_LISTEN_PORT: 'off', CONFIG_PATH: join(dir, 'config.json'), DATABASE_PATH: join(dir, 'emails.db'), LOG_LEVEL: 'info' };
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (performance.now() - t0 < 20_000) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
      if ((await healthStatus(port)) === 200) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error('not healthy within 20 s');
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    removeDir(dir);
  }
}

async function main() {
  const build = await prepareBuild();
  const info = machine();
  console.log(`footprint bench; load ${info.loadavg_at_start.join(' ')}`);
  const warm = await startToHealthy(); // fills the OS file cache; reported, not counted
  const starts: number[] = [];
  const startOthers: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const { value, others } = await guarded([], startToHealthy);
    starts.push(value);
    startOthers.push(others);
  }
  console.log(`  start to healthy: ${starts.map((s) => fmt(s)).join(', ')} ms (first, uncounted: ${fmt(warm)} ms); others ${startOthers.map((o) => fmt(o, 2)).join(', ')} cores`);

  const gw = await startGateway({ config: sandboxConfig });
  try {
    const idle = rssMb(gw.pid);
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) {
      const r = await blast({ url: gw.url, path: '/api/send', method: 'POST', body: MESSAGE_1KB, headers: SEND_HEADERS, connections: 64, durationS: DURATION });
      runs.push({ rps: r.rps, statuses: r.statuses, rss_mb: rssMb(gw.pid), peak_rss_mb: peakRssMb(gw.pid) });
      console.log(`  load ${round + 1}: ${fmt(r.rps)} req/s; RSS ${fmt(rssMb(gw.pid))} MB, peak ${fmt(peakRssMb(gw.pid))} MB`);
    }
    const peak = peakRssMb(gw.pid);
    const startMedian = median(starts);
    printTable('Footprint', [
      { figure: `peak RSS (VmHWM) under sandbox load, ${ROUNDS} × ${DURATION} s`, value: `${fmt(peak)} MB`, reference: `${fmt(idle)} MB idle after start`, target: '< 200 MB', result: verdict(peak < 200) },
      { figure: `start to healthy, median of ${STARTS}`, value: ms(startMedian), reference: `min ${ms(Math.min(...starts))}, max ${ms(Math.max(...starts))}`, target: '< 1 s', result: verdict(startMedian < 1000) },
    ]);
    writeResults('footprint', { machine: info, build, loadavg_at_end: load1(), settings: { durationS: DURATION, rounds: ROUNDS, starts: STARTS }, peak_rss_mb: peak, idle_rss_mb: idle, runs, start_to_healthy_ms: { median: startMedian, all: starts, others_cores: startOthers, first_uncounted: warm } });
  } finally {
    await gw.kill();
    removeDir(gw.dir);
  }
}

await main();
