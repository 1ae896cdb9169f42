// SMTP ingress accept rate (SPEC section 10): ProtoPost in sandbox mode against Postfix's smtpd on the same
// machine and load: `smtp-source`, 10 sessions, 1 KB and 100 KB messages, everything on loopback.
//
//   npm run build && node --import tsx bench/smtp.ts
//
// Needs `smtp-source` and `postfix` (Debian/Ubuntu: `sudo apt-get install postfix`; both land in /usr/sbin)
// and root for the private Postfix instance (without it, ProtoPost alone is measured). Knobs (environment):
// SMTP_BENCH_ROUNDS (3), SMTP_BENCH_SESSIONS (10), SMTP_BENCH_MESSAGES_1K (5000), SMTP_BENCH_MESSAGES_100K (1500),
// SMTP_BENCH_QUIET_CORES / _DISTURBED_CORES / _MAX_WAIT_S (see smtp-quiet.ts), SMTP_BENCH_POSTFIX_LOG=1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, MAIN, startServer, type RunningServer } from '../test/support/server.js';
import { startPostfix, type PostfixInstance } from './smtp-postfix.js';
import { guarded, ownSeconds } from './smtp-quiet.js';

const env = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new Error(`${name} must be an integer from 1 to 1000000`);
  return n;
};
const ROUNDS = env('SMTP_BENCH_ROUNDS', 3);
const SESSIONS = env('SMTP_BENCH_SESSIONS', 10);
const SIZES = [
  { label: '1 KB', bytes: 1024, messages: env('SMTP_BENCH_MESSAGES_1K', 5000) },
  { label: '100 KB', bytes: 102_400, messages: env('SMTP_BENCH_MESSAGES_100K', 1500) },
];
const WARMUP = 200;
const RUN_TIMEOUT_MS = 300_000;
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

const SMTP_SOURCE = [...(process.env.PATH ?? '').split(':').map((d) => `${d}/smtp-source`), '/usr/sbin/smtp-source', '/usr/local/sbin/smtp-source'].find(
  (p) => p && existsSync(p),
);

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

/** Waits (bounded) for an SMTP greeting on the port. */
async function waitForGreeting(port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('data', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
      c.setTimeout(1000, () => (c.destroy(), resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answered SMTP on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** One smtp-source run: messages per second. Any unexpected reply aborts smtp-source (non-zero exit). */
function load(port: number, bytes: number, messages: number): Promise<number> {
  const args = ['-s', String(SESSIONS), '-m', String(messages), '-l', String(bytes), '-d', '-M', 'bench.test', '-f', 'sender@bench.test', '-t', 'rcpt@bench.test', '-S', 'smtp bench', `127.0.0.1:${port}`];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(SMTP_SOURCE!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), RUN_TIMEOUT_MS);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code === 0) resolve(messages / seconds);
      else reject(new Error(`smtp-source ${args.join(' ')} failed (${signal ?? code}): ${stderr.trim()}`));
    });
  });
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Target {
  readonly name: string;
  readonly port: number;
  /** CPU of our own processes for this target, to tell other people's load apart */
  readonly own: () => number;
  /** CPU seconds of the server side alone (ProtoPost's process; Postfix's master and its children) */
  readonly server: () => number;
}

/** One load run with the server's CPU per message: the figure that moves least when others share the machine. */
async function measured(t: Target, bytes: number, messages: number): Promise<{ rate: number; cpuUs: number }> {
  const cpu0 = t.server();
  const rate = await load(t.port, bytes, messages);
  return { rate, cpuUs: ((t.server() - cpu0) / messages) * 1e6 };
}

async function main() {
  if (!SMTP_SOURCE) {
    console.error('smtp-source not found. It ships with Postfix: sudo apt-get install postfix (Debian/Ubuntu), then it is /usr/sbin/smtp-source.');
    process.exit(2);
  }
  if (!existsSync(MAIN)) {
    console.error(`${MAIN} is missing: run npm run build first.`);
    process.exit(2);
  }

  let postfix: PostfixInstance | undefined;
  let server: RunningServer | undefined;
  let stopping = false;
  const cleanup = async () => {
    stopping = true;
    postfix?.stop();
    await server?.stop();
    if (server) rmSync(server.dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    server = await startServer({ config: { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 } });
    const gatewayPid = server.process.pid!;
    const running = server;
    running.process.once('exit', (code, signal) => {
      if (!stopping) console.error(`ProtoPost exited during the benchmark (${signal ?? code}): ${running.stderr().trim() || 'no stderr'}\n${running.logs.filter((l) => l?.level >= 40).map((l) => JSON.stringify(l)).join('\n')}`);
    });
    const targets: Target[] = [{ name: 'ProtoPost', port: server.smtpPort!, own: () => ownSeconds([process.pid, gatewayPid]), server: () => ownSeconds([gatewayPid]) }];
    try {
      postfix = startPostfix(await freePort());
      await waitForGreeting(postfix.port);
      const master = postfix.masterPid;
      targets.push({ name: 'Postfix smtpd', port: postfix.port, own: () => ownSeconds([process.pid, gatewayPid], master ? [master] : []), server: () => ownSeconds([], master ? [master] : []) });
    } catch (err) {
      console.error(`reference not measured: ${(err as Error).message}`);
    }

    console.log(`smtp-source: ${SESSIONS} sessions, connections reused (-d), ${ROUNDS} rounds (median), ProtoPost in sandbox mode`);
    let sent = 0;
    const runs: { size: string; target: string; round: number; rate: number; cpu_us_per_message: number; others: number; runs: number }[] = [];
    for (const size of SIZES) {
      for (const t of targets) await load(t.port, size.bytes, WARMUP);
      sent += WARMUP;
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternate who goes first so neither always gets the warmer (or the quieter) machine.
        for (const t of round % 2 ? targets : [...targets].reverse()) {
          const r = await guarded(t.own, () => measured(t, size.bytes, size.messages));
          if (t.name === 'ProtoPost') sent += size.messages * r.runs;
          runs.push({ size: size.label, target: t.name, round, rate: r.value.rate, cpu_us_per_message: Math.round(r.value.cpuUs), others: r.others, runs: r.runs });
          console.log(`  ${size.label.padEnd(6)} ${t.name.padEnd(14)} round ${round}: ${r.value.rate.toFixed(0).padStart(5)} msg/s, server CPU ${r.value.cpuUs.toFixed(0).padStart(5)} µs/msg   (others used ${r.others.toFixed(2)} cores)`);
        }
      }
    }

    const stats = (await api(server.url, 'GET', '/api/stats')).json;
    if (stats.total_sandbox !== sent) throw new Error(`ProtoPost acknowledged ${sent} messages but stored ${stats.total_sandbox}`);
    const rss = peakRssMb(gatewayPid);

    const table = SIZES.map(({ label }) => {
      const of = (target: string, pick: (r: (typeof runs)[number]) => number) => {
        const xs = runs.filter((r) => r.size === label && r.target === target).map(pick);
        return xs.length ? median(xs) : undefined;
      };
      const ours = of('ProtoPost', (r) => r.rate)!;
      const ref = of('Postfix smtpd', (r) => r.rate);
      const oursCpu = of('ProtoPost', (r) => r.cpu_us_per_message)!;
      const refCpu = of('Postfix smtpd', (r) => r.cpu_us_per_message);
      const others = Math.max(...runs.filter((r) => r.size === label).map((r) => r.others));
      return {
        size: label,
        protopost: Math.round(ours),
        postfix: ref && Math.round(ref),
        ratio: ref ? Math.round((ours / ref) * 100) / 100 : undefined,
        protopost_cpu_us: Math.round(oursCpu),
        postfix_cpu_us: refCpu && Math.round(refCpu),
        // Postfix's CPU per message over ours: above 1.0, ProtoPost spends less CPU on a message than Postfix does.
        cpu_ratio: refCpu ? Math.round((refCpu / oursCpu) * 100) / 100 : undefined,
        others_max: Math.round(others * 100) / 100,
      };
    });
    console.log('\n| message | ProtoPost (msg/s) | Postfix smtpd (msg/s) | ratio | target ≥ 1.0 | server CPU per message, ProtoPost / Postfix | CPU ratio (Postfix ÷ ProtoPost) | others used, worst run |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of table) {
      const cpu = `${r.protopost_cpu_us} / ${r.postfix_cpu_us ?? 'n/a'} µs`;
      console.log(`| ${r.size} | ${r.protopost} | ${r.postfix ?? 'n/a'} | ${r.ratio ? `${r.ratio.toFixed(2)}×` : 'n/a'} | ${r.ratio === undefined ? 'n/a' : r.ratio >= 1 ? 'pass' : 'FAIL'} | ${cpu} | ${r.cpu_ratio ? `${r.cpu_ratio.toFixed(2)}×` : 'n/a'} | ${r.others_max.toFixed(2)} cores |`);
    }
    console.log(`\nevery acknowledged message is in SQLite (${stats.total_sandbox} sandbox records); ProtoPost peak RSS ${rss.toFixed(0)} MB`);

    mkdirSync(RESULTS, { recursive: true });
    const machine = { date: new Date().toISOString(), nproc: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, loadavg_at_end: loadavg() };
    const file = join(RESULTS, `smtp-${machine.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine, sessions: SESSIONS, rounds: ROUNDS, table, runs, peak_rss_mb: Math.round(rss), stored: stats.total_sandbox }, null, 2));
    console.log(`JSON: ${file}`);
  } finally {
    await cleanup();
  }
}

await main();
