// Starts the real server the way a user does (`node dist/src/main.js`), on free loopback ports,
// with its config and database in a temp dir. Requires `npm run build` (npm test does it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
/**
 * The node flags `npm start` and the `protopost` bin run the gateway with (package.json, the shebang of
 * src/main.ts): 8 MiB young-generation semi-spaces (V8: 16) keep steady allocation from holding ~35 MB more garbage: peak RSS under the 100 KB SMTP load 179 MB instead of 213 (bench/README.md).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** null when SMTP ingress is off or not (yet) started */
  readonly smtpPort: number | null;
  readonly dir: string;
  readonly configPath: string;
  readonly databasePath: string;
  readonly process: ChildProcess;
  /** every log line (parsed JSON where possible) */
  readonly logs: any[];
  readonly stderr: () => string;
  /** SIGTERM; resolves with the exit code */
  stop(): Promise<number | null>;
  /** SIGKILL; resolves once the process is gone */
  kill(): Promise<void>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  /** reuse a directory (restart after a kill) */
  readonly dir?: string;
  /** written to config.json before start */
  readonly config?: unknown;
  /** how long to wait for 'ProtoPost listening' (default 10 s; several instances starting at once on a loaded machine need more) */
  readonly readyTimeoutMs?: number;
}

// Servers a test did not stop (it failed or timed out, and --test-force-exit ended the runner) die with the
// test process instead of living on, orphaned, as load for everything after them.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * The servers' TMPDIR: shared by the servers of one test file (so instances see each other's presence sockets,
 * src/queue/presence.ts, as on one host) and removed with the test process instead of piling up in /tmp.
 */
const SERVER_TMPDIR = mkdtempSync(join(tmpdir(), 'pp-'));
process.once('exit', () => rmSync(SERVER_TMPDIR, { recursive: true, force: true }));

export async function startServer(o: StartOptions = {}): Promise<RunningServer> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'protopost-test-'));
  const configPath = join(dir, 'config.json');
  const databasePath = join(dir, 'emails.db');
  if (o.config) writeFileSync(configPath, JSON.stringify(o.config, null, 2));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    TMPDIR: SERVER_TMPDIR,
    PORT: '0',
    HOST: '127.0.0.1',
    SMTP_LISTEN_PORT: '0',
    CONFIG_PATH: configPath,
    DATABASE_PATH: databasePath,
    LOG_LEVEL: 'info',
    ...o.env,
  };
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, MAIN], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const logs: any[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const ready = new Promise<{ port: number; smtpPort: number | null }>((resolve, reject) => {
    let buffer = '';
    let port: number | undefined;
    let smtpPort: number | null | undefined = env.SMTP_LISTEN_PORT === 'off' ? null : undefined;
    // Several instances at once, or benchmarks on a loaded machine, may allow longer (readyTimeoutMs,
    // PROTOPOST_START_TIMEOUT_MS); tests keep 10 s.
    const limitMs = o.readyTimeoutMs ?? (Number(process.env.PROTOPOST_START_TIMEOUT_MS) || 10_000);
    const timer = setTimeout(() => reject(new Error(`server did not start in ${limitMs / 1000} s\nstderr: ${stderr}`)), limitMs);
    child.stdout!.on('data', (d) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let entry: any = line;
        try {
          entry = JSON.parse(line);
        } catch {
          /* keep the raw line */
        }
        logs.push(entry);
        if (entry?.msg === 'ProtoPost listening') port = Number(new URL(entry.url).port);
        if (entry?.msg === 'SMTP listening') smtpPort = entry.smtp_port;
        // The SMTP listener may not exist in this build: HTTP alone is enough to be ready.
        if (port !== undefined && (smtpPort !== undefined || entry?.msg === 'ProtoPost listening')) {
          clearTimeout(timer);
          resolve({ port, smtpPort: smtpPort ?? null });
        }
      }
    });
    exited.then((code) => reject(new Error(`server exited with ${code} before it was ready\nstderr: ${stderr}`)));
  });
  // A server that did not get ready is not left running behind the failed test.
  const { port, smtpPort } = await ready.catch((err) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get smtpPort() {
      if (smtpPort !== null) return smtpPort;
      const line = logs.find((l) => l?.msg === 'SMTP listening');
      return line ? line.smtp_port : null;
    },
    dir,
    configPath,
    databasePath,
    process: child,
    logs,
    stderr: () => stderr,
    stop() {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

/** A small JSON client for the gateway's API. */
export async function api(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Polls until `check` returns a truthy value (bounded). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
