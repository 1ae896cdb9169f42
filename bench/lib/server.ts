// Starts the real gateway the way a user does (`node dist/src/main.js`) on a free loopback port with its
// config and database in a temp dir, and the reference servers beside it, each in its own process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../../test/support/server.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const tempDir = (label: string) => mkdtempSync(join(process.env.BENCH_TMPDIR || tmpdir(), `protopost-bench-${label}-`));

/** The server entry point measured: a private copy of dist/ (see prepareBuild), or BENCH_MAIN. */
export let MAIN = process.env.BENCH_MAIN || join(ROOT, 'dist/src/main.js');

/**
 * Other people rebuild dist/ while benchmarks run (npm test builds): a run measures a private copy of dist/
 * taken at its start (package.json beside it, node_modules linked), the same files run the same way
 * (`node dist/src/main.js`). A copy caught mid-build fails to start; it is taken again (bounded).
 * Bench scripts never build by themselves: `npm run build` first.
 */
export async function prepareBuild(): Promise<{ main: string; built_at: string; commit: string; dirty: string[] }> {
  const dist = join(ROOT, 'dist/src/main.js');
  if (!process.env.BENCH_MAIN && !existsSync(dist)) {
    console.error(`${dist} is missing: run \`npm run build\` first.`);
    process.exit(2);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean);
  if (process.env.BENCH_MAIN) return { main: MAIN, built_at: statSync(MAIN).mtime.toISOString(), commit, dirty };
  for (let attempt = 1; ; attempt++) {
    const dir = tempDir('build');
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    MAIN = join(dir, 'dist/src/main.js');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    try {
      const probe = await startGateway({ config: sandboxConfig });
      await probe.stop();
      removeDir(probe.dir);
      return { main: MAIN, built_at: statSync(dist).mtime.toISOString(), commit, dirty };
    } catch (err) {
      if (attempt >= 10) throw err;
      console.error(`  dist/ looked mid-build (${String((err as Error).message).split('\n').find((l) => /Error/.test(l)) ?? 'start failed'}); copying again in 5 s`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

export interface Proc {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** SIGTERM and wait (SIGKILL after `graceMs`); resolves with the exit code */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL and wait */
  kill(): Promise<void>;
  stderr(): string;
  /** throws a clear error (exit code or signal, stderr tail) when the process has gone away unasked */
  assertAlive(): void;
}

export interface Gateway extends Proc {
  readonly dir: string;
  readonly configPath: string;
  readonly databasePath: string;
  /** ms from spawn to the 'ProtoPost listening' log line */
  readonly listeningAfterMs: number;
}

function wrap(child: ChildProcess, url: string, getStderr: () => string): Proc {
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  let asked = false;
  return {
    assertAlive() {
      if (asked || (child.exitCode === null && child.signalCode === null)) return;
      throw new Error(`${child.spawnargs.slice(1).join(' ')} (pid ${child.pid}) exited during the benchmark: code ${child.exitCode}, signal ${child.signalCode}\nstderr (tail): ${getStderr().slice(-2000)}`);
    },
    url,
    pid: child.pid!,
    child,
    async stop(graceMs = 15_000) {
      asked = true;
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      asked = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    stderr: getStderr,
  };
}

/**
 * Spawns `args` and waits for the first stdout JSON line for which `pick` returns a URL. Output keeps being
 * drained afterwards so a chatty child never blocks on a full pipe.
 */
function spawnUntilUrl(args: string[], env: NodeJS.ProcessEnv, pick: (line: any) => string | undefined, cwd = ROOT, timeoutMs = 20_000) {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  return new Promise<{ proc: Proc; afterMs: number }>((resolve, reject) => {
    let buffer = '';
    let done = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not start in ${timeoutMs} ms\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => {
      if (done) return;
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let entry: any;
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        const url = pick(entry);
        if (url) {
          done = true;
          buffer = '';
          clearTimeout(timer);
          resolve({ proc: wrap(child, url, () => stderr), afterMs: performance.now() - t0 });
          return;
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (done) return;
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${signal ?? code}) before it was ready\nstderr: ${stderr}`));
    });
  });
}

export interface GatewayOptions {
  /** reuse a directory (restart on the same files) */
  readonly dir?: string;
  /** written to config.json before start (omit to keep the file in `dir`, or let the server create it) */
  readonly config?: unknown;
  readonly env?: Record<string, string>;
  /** extra node flags before the script (e.g. --cpu-prof, --import a shim) */
  readonly nodeArgs?: readonly string[];
}

export async function startGateway(o: GatewayOptions = {}): Promise<Gateway> {
  const dir = o.dir ?? tempDir('gw');
  const configPath = join(dir, 'config.json');
  const databasePath = join(dir, 'emails.db');
  if (o.config) writeFileSync(configPath, JSON.stringify(o.config, null, 2));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    PORT: '0',
    HOST: '127.0.0.1',
    SMTP_LISTEN_PORT: 'off',
    CONFIG_PATH: configPath,
    DATABASE_PATH: databasePath,
    LOG_LEVEL: 'info',
    ...o.env,
  };
  const { proc, afterMs } = await spawnUntilUrl([...GATEWAY_NODE_FLAGS, ...(o.nodeArgs ?? []), MAIN], env, (l) => (l?.msg === 'ProtoPost listening' ? l.url : undefined), dir);
  return { ...proc, dir, configPath, databasePath, listeningAfterMs: afterMs };
}

/** A reference server from bench/refs (plain node:http), in its own process like the gateway. */
export async function startReference(name: 'bare-json' | 'fake-resend' | 'bare-relay', env: Record<string, string> = {}): Promise<Proc> {
  const script = join(ROOT, 'bench/refs', `${name}.ts`);
  const { proc } = await spawnUntilUrl(['--import', 'tsx', script], { PATH: process.env.PATH ?? '', PORT: '0', ...env }, (l) => l?.url);
  return proc;
}

/** Peak resident set size (VmHWM) of a live process, MB. */
export function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

/** Current resident set size (VmRSS), MB. */
export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

/** CPU seconds (user + system) a process has used so far; with `children`, also its exited, reaped children's. */
export function cpuSeconds(pid: number, children = false): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw new Error(`process ${pid} has exited (no /proc/${pid}/stat)`);
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // f[11] utime, f[12] stime, f[13] cutime, f[14] cstime (fields 14–17 of proc(5)), in clock ticks (100 Hz)
  return (f[11] + f[12] + (children ? f[13] + f[14] : 0)) / 100;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const sandboxConfig = { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 };
