// Load clients: autocannon for throughput (closed loop, N connections), and a paced open-loop client for
// latency at a steady rate. Latencies are kept as float milliseconds per request: autocannon's own
// histogram records whole milliseconds, too coarse for sub-millisecond targets.
import autocannon from 'autocannon';
import { connect, type Socket } from 'node:net';

export interface Latency {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
  readonly n: number;
}

export function summarize(ms: readonly number[]): Latency {
  const s = Float64Array.from(ms).sort();
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] : NaN);
  let sum = 0;
  for (const v of s) sum += v;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: s.length ? s[s.length - 1] : NaN, mean: s.length ? sum / s.length : NaN, n: s.length };
}

export interface BlastOptions {
  readonly url: string;
  readonly path: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly connections: number;
  readonly durationS: number;
  /** autocannon's overallRate (requests per second over all connections) */
  readonly overallRate?: number;
  /** sees every response body (e.g. to collect log ids) */
  readonly onResponse?: (status: number, body: string) => void;
  /** stop early, e.g. when the server was killed on purpose */
  readonly signal?: AbortSignal;
}

export interface BlastResult {
  /** 2xx responses per second */
  readonly rps: number;
  readonly durationS: number;
  readonly ok: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  /** float ms, 2xx only */
  readonly latency: Latency;
  /** what autocannon itself reports (whole-ms histogram, with its coordinated-omission correction when rate-limited) */
  readonly autocannon: { p50: number; p99: number; rpsMean: number };
  /** CPU seconds the load client (this process) used */
  readonly clientCpuS: number;
}

export function blast(o: BlastOptions): Promise<BlastResult> {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url + o.path,
        connections: o.connections,
        duration: o.durationS,
        overallRate: o.overallRate,
        method: o.method ?? 'GET',
        headers: o.headers,
        body: o.body,
        timeout: 10,
        requests: o.onResponse ? [{ onResponse: (status, body) => o.onResponse!(status, body) }] : undefined,
      },
      (err, r) => {
        o.signal?.removeEventListener('abort', stop);
        if (err) return reject(err);
        const cpu = process.cpuUsage(cpu0);
        const ok = r['2xx'];
        resolve({
          rps: ok / r.duration,
          durationS: r.duration,
          ok,
          statuses: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
          errors: r.errors,
          timeouts: r.timeouts,
          latency: summarize(latencies),
          autocannon: { p50: r.latency.p50, p99: r.latency.p99, rpsMean: r.requests.mean },
          clientCpuS: (cpu.user + cpu.system) / 1e6,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
    const stop = () => instance.stop();
    o.signal?.addEventListener('abort', stop, { once: true });
  });
}

export interface PacedOptions {
  readonly url: string;
  readonly path: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** requests per second, spread evenly (one timer tick ≈ 1 ms) */
  readonly rate: number;
  readonly durationS: number;
  /** keep-alive connections, opened before the clock starts; a due request waits when all are busy */
  readonly connections?: number;
  /** sees every complete response body */
  readonly onResponse?: (status: number, body: string) => void;
  /** every 2xx: when its request was written (epoch ms, fractional) and its latency (ms) */
  readonly onSample?: (writtenAt: number, ms: number) => void;
}

export interface PacedResult {
  readonly sent: number;
  readonly ok: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  /** achieved request rate */
  readonly rate: number;
  /** float ms from writing each request to its complete response (what autocannon measures): the figure */
  readonly latency: Latency;
  /** float ms from when each request fell due (open loop, includes waiting for a free connection and timer lag) */
  readonly fromDue: Latency;
}

interface Conn {
  readonly socket: Socket;
  busy: boolean;
  chunks: Buffer[];
  size: number;
  written: number;
  due: number;
  done?: () => void;
}

/** Bytes of a complete HTTP/1.1 response at the start of `buf` (Content-Length or chunked), or -1. */
function responseLength(buf: Buffer): number {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return -1;
  const head = buf.subarray(0, end).toString('latin1');
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) return buf.length >= end + 4 + Number(cl[1]) ? end + 4 + Number(cl[1]) : -1;
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = buf.indexOf('\r\n0\r\n\r\n', end);
    return last < 0 ? -1 : last + 7;
  }
  return end + 4;
}

/** The body of a complete response; chunked bodies are de-chunked. */
function responseBody(res: Buffer): string {
  const end = res.indexOf('\r\n\r\n');
  const head = res.subarray(0, end).toString('latin1');
  let body = res.subarray(end + 4);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts: Buffer[] = [];
    let i = 0;
    for (;;) {
      const nl = body.indexOf('\r\n', i);
      const n = parseInt(body.subarray(i, nl).toString('latin1'), 16);
      if (!n) break;
      parts.push(body.subarray(nl + 2, nl + 2 + n));
      i = nl + 2 + n + 2;
    }
    body = Buffer.concat(parts);
  }
  return body.toString('utf8');
}

/**
 * Open-loop client at a steady rate: every ~1 ms it issues the requests that have fallen due, on a pool of
 * keep-alive connections, whether or not earlier ones have finished — the way independent applications would
 * call the gateway. A minimal HTTP/1.1 client on raw sockets (prebuilt request bytes, Content-Length framing),
 * so the client's own cost and jitter stay small. (autocannon's overallRate instead lets each connection fire
 * its per-second quota back to back at the start of every second, so its load arrives in bursts.)
 */
export async function paced(o: PacedOptions): Promise<PacedResult> {
  const target = new URL(o.path, o.url);
  const body = o.body ? Buffer.from(o.body) : Buffer.alloc(0);
  const headerLines = Object.entries({ host: target.host, connection: 'keep-alive', ...o.headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  if (body.length || o.method === 'POST') headerLines.push(`content-length: ${body.length}\r\n`);
  const requestBytes = Buffer.concat([Buffer.from(`${o.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1\r\n${headerLines.join('')}\r\n`, 'latin1'), body]);
  const service: number[] = [];
  const fromDue: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let completed = 0;

  const open = () =>
    new Promise<Conn>((resolve, reject) => {
      const socket = connect(Number(target.port), target.hostname);
      socket.setNoDelay(true);
      const c: Conn = { socket, busy: false, chunks: [], size: 0, written: 0, due: 0 };
      socket.once('connect', () => resolve(c));
      socket.once('error', reject);
      socket.once('close', () => {
        if (!c.busy) return;
        errors++;
        c.busy = false;
        c.done?.();
      });
      socket.on('data', (chunk: Buffer) => {
        c.chunks.push(chunk);
        c.size += chunk.length;
        const buf = c.chunks.length === 1 ? c.chunks[0] : Buffer.concat(c.chunks, c.size);
        const len = responseLength(buf);
        if (len < 0) return;
        const now = performance.now();
        const res = buf.subarray(0, len);
        const code = Number(res.subarray(9, 12).toString('latin1'));
        statuses[code] = (statuses[code] ?? 0) + 1;
        if (code >= 200 && code < 300) {
          service.push(now - c.written);
          fromDue.push(now - c.due);
          o.onSample?.(performance.timeOrigin + c.written, now - c.written);
        }
        o.onResponse?.(code, responseBody(res));
        c.chunks = [];
        c.size = 0;
        c.busy = false;
        completed++;
        c.done?.();
      });
    });

  const pool = await Promise.all(Array.from({ length: o.connections ?? 32 }, open));
  const waiting: number[] = []; // due times of requests waiting for a free connection
  const dispatch = (c: Conn, due: number) => {
    c.busy = true;
    c.due = due;
    c.written = performance.now();
    c.socket.write(requestBytes);
  };
  let onIdle = () => {};
  for (const c of pool) {
    c.done = () => {
      const next = waiting.shift();
      if (next !== undefined) dispatch(c, next);
      onIdle();
    };
  }

  const total = Math.round(o.rate * o.durationS);
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * o.rate));
      while (sent < due) {
        const dueAt = t0 + (sent / o.rate) * 1000;
        sent++;
        const free = pool.find((c) => !c.busy && !c.socket.destroyed);
        // With every connection closed (the server went away) nothing would ever take the waiting requests.
        if (!free && pool.every((c) => c.socket.destroyed)) {
          errors++;
          continue;
        }
        if (free) dispatch(free, dueAt);
        else waiting.push(dueAt);
      }
      if (sent >= total) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
  // Bounded wait for the tail.
  await new Promise<void>((resolve) => {
    const finish = setTimeout(resolve, 15_000);
    onIdle = () => {
      if (completed + errors >= total) {
        clearTimeout(finish);
        resolve();
      }
    };
    onIdle();
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const c of pool) c.socket.destroy();
  return { sent, ok: service.length, statuses, errors, rate: completed / seconds, latency: summarize(service), fromDue: summarize(fromDue) };
}
