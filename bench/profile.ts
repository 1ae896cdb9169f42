// Where the gateway spends its CPU under a benchmark's load: starts it with `node --cpu-prof`, runs the
// sandbox or relay load (64 connections) for a while, stops it, and prints the heaviest functions (self
// time), the heaviest src/ functions (inclusive) and the time per package. The .cpuprofile stays in
// bench/results/ for Chrome DevTools / speedscope.
//
//   npm run build && node --import tsx bench/profile.ts sandbox|relay|startup [seconds]
//   npm run build && node --import tsx bench/profile.ts smtp [messages] [bytes]
//
// `startup` profiles a first start (fresh directory) up to the first 200 from /api/health, then stops it.
// BENCH_DATABASE_URL runs the gateway on that PostgreSQL database instead of a fresh SQLite file.
// `smtp` sends `messages` (default 3 000) of `bytes` (default 102 400) in sandbox mode with smtp-source,
// 10 sessions, as bench/smtp.ts does, and also prints the server's CPU per message.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { blast } from './lib/load.js';
import { MESSAGE_1KB, SEND_HEADERS } from './lib/message.js';
import { cpuSeconds, peakRssMb, prepareBuild, removeDir, sandboxConfig, startGateway, startReference, tempDir, type Proc } from './lib/server.js';
import { fmt, writeResults } from './lib/report.js';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const where = (url: string) => {
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const src = /\/dist\/(src\/.*)\.js$/.exec(url);
  return src ? src[1] : url.replace(/^file:\/\//, '');
};

export function analyse(profile: CpuProfile, top = 25) {
  const total = profile.endTime - profile.startTime; // µs
  // Self time per node from the sample stream (more exact than hitCount × interval).
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const key = (n: CpuNode) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const pkgBy = new Map<string, number>();
  for (const n of profile.nodes) {
    const t = self.get(n.id) ?? 0;
    selfBy.set(key(n), (selfBy.get(key(n)) ?? 0) + t);
    const pkg = n.callFrame.functionName === '(idle)' ? '(idle)' : n.callFrame.functionName === '(garbage collector)' ? '(garbage collector)' : where(n.callFrame.url);
    pkgBy.set(pkg, (pkgBy.get(pkg) ?? 0) + t);
  }
  // Inclusive time of src/ functions (a function counted once per stack, so recursion does not double count).
  const incl = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    let t = self.get(id) ?? 0;
    const k = key(n);
    const fresh = !onStack.has(k);
    if (fresh) onStack.add(k);
    for (const c of n.children ?? []) t += walk(c, onStack);
    if (fresh) {
      onStack.delete(k);
      if (k.includes(' src/')) incl.set(k, (incl.get(k) ?? 0) + t);
    }
    return t;
  };
  walk(profile.nodes[0].id, new Set());
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => ({ what: k, ms: v / 1000, pct: (v / total) * 100 }));
  return { totalMs: total / 1000, self: sorted(selfBy), inclusiveSrc: sorted(incl), packages: sorted(pkgBy) };
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

const SMTP_SOURCE = ['/usr/sbin/smtp-source', '/usr/local/sbin/smtp-source'].find(existsSync);

/** smtp-source as bench/smtp.ts runs it (10 sessions, connections reused); throws on any unexpected reply. */
function smtpLoad(port: number, messages: number, bytes: number): number {
  if (!SMTP_SOURCE) throw new Error('smtp-source not found (it ships with Postfix: apt-get install postfix)');
  const args = ['-s', '10', '-m', String(messages), '-l', String(bytes), '-d', '-M', 'bench.test', '-f', 'sender@bench.test', '-t', 'rcpt@bench.test', '-S', 'smtp bench', `127.0.0.1:${port}`];
  const t0 = performance.now();
  const r = spawnSync(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`smtp-source failed (${r.signal ?? r.status}): ${r.stderr}`);
  return messages / ((performance.now() - t0) / 1000);
}

async function main() {
  await prepareBuild();
  const mode = (['relay', 'startup', 'smtp'] as const).find((m) => m === process.argv[2]) ?? 'sandbox';
  const seconds = Math.min(60, Number(process.argv[3] ?? 10) || 10);
  const smtpMessages = Number(process.argv[3] ?? 3000) || 3000;
  const smtpBytes = Number(process.argv[4] ?? 102_400) || 102_400;
  const smtpPort = mode === 'smtp' ? await freePort() : undefined;
  const profDir = tempDir('prof');
  let fake: Proc | undefined;
  if (mode === 'relay') fake = await startReference('fake-resend');
  const config =
    mode === 'relay'
      ? { providers: [{ id: 'fake', name: 'Fake Resend', type: 'resend', api_key: 're_bench_0123456789', base_url: fake!.url }], routing: { mode: 'smart', sandbox: false, rules: [] }, version: 1 }
      : sandboxConfig;
  const t0 = performance.now();
  const gw = await startGateway({
    config: mode === 'startup' ? undefined : config,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=100'],
    env: { ...(smtpPort ? { SMTP_LISTEN_PORT: String(smtpPort) } : {}), ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}) },
  });
  try {
    let r = { rps: 0, ok: 0 };
    if (mode === 'smtp') {
      smtpLoad(smtpPort!, 200, smtpBytes); // warm-up, not counted
      const cpu0 = cpuSeconds(gw.pid);
      const rate = smtpLoad(smtpPort!, smtpMessages, smtpBytes);
      const cpuUs = ((cpuSeconds(gw.pid) - cpu0) / smtpMessages) * 1e6;
      r = { rps: rate, ok: smtpMessages };
      console.log(`smtp: ${fmt(rate)} msg/s of ${smtpBytes} bytes, ${smtpMessages} messages, server CPU ${fmt(cpuUs)} µs/message, peak RSS ${fmt(peakRssMb(gw.pid))} MB (profiling slows it down)`);
    } else if (mode === 'startup') {
      while ((await fetch(`${gw.url}/api/health`)).status !== 200) await new Promise((res) => setTimeout(res, 2));
      console.log(`startup: healthy ${fmt(performance.now() - t0)} ms after spawn (profiling slows it down)`);
    } else {
      r = await blast({ url: gw.url, path: '/api/send', method: 'POST', body: MESSAGE_1KB, headers: SEND_HEADERS, connections: 64, durationS: seconds });
      console.log(`${mode}: ${fmt(r.rps)} req/s over ${seconds} s while profiling (profiling slows it down)`);
    }
    await gw.stop();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    const result = analyse(JSON.parse(readFileSync(join(profDir, file), 'utf8')));
    const show = (title: string, rows: { what: string; ms: number; pct: number }[]) => {
      console.log(`\n${title}`);
      for (const r of rows) console.log(`  ${fmt(r.pct, 1).padStart(5)}%  ${fmt(r.ms).padStart(6)} ms  ${r.what}`);
    };
    show('by package / file (self time)', result.packages);
    show('heaviest functions (self time)', result.self);
    show('src/ functions (inclusive time)', result.inclusiveSrc);
    const out = writeResults(`profile-${mode}`, { mode, seconds, rps: r.rps, requests: r.ok, ...result });
    copyFileSync(join(profDir, file), out.replace(/\.json$/, '.cpuprofile'));
  } finally {
    await gw.kill();
    await fake?.stop();
    removeDir(gw.dir);
    removeDir(profDir);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();

