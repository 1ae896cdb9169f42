// Live log updates from GET /api/events, read with fetch so the bearer header can be sent
// (EventSource cannot). Reconnects with exponential backoff.
import { authHeader, onTokenChange } from './token';
import type { LogSummary } from './types';

export type StreamStatus = 'connecting' | 'live' | 'offline' | 'locked';

const logListeners = new Set<(log: LogSummary) => void>();
const statusListeners = new Set<(status: StreamStatus) => void>();
let status: StreamStatus = 'connecting';
let controller: AbortController | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let backoffMs = 1000;
const MAX_BACKOFF_MS = 30_000;

export function onLogEvent(fn: (log: LogSummary) => void): () => void {
  logListeners.add(fn);
  return () => logListeners.delete(fn);
}

/** Called at once with the current status, then on every change. */
export function onStreamStatus(fn: (status: StreamStatus) => void): () => void {
  statusListeners.add(fn);
  fn(status);
  return () => statusListeners.delete(fn);
}

function setStatus(next: StreamStatus): void {
  if (next === status) return;
  status = next;
  for (const fn of statusListeners) fn(next);
}

export function startEvents(): void {
  stopEvents();
  backoffMs = 1000;
  void connect();
}

export function stopEvents(): void {
  clearTimeout(retryTimer);
  controller?.abort();
  controller = null;
}

onTokenChange(() => startEvents());

async function connect(): Promise<void> {
  const ctl = new AbortController();
  controller = ctl;
  setStatus('connecting');
  try {
    const res = await fetch('/api/events', {
      headers: { accept: 'text/event-stream', ...authHeader() },
      signal: ctl.signal,
      cache: 'no-store',
    });
    if (res.status === 401) {
      // Wait for a token: onTokenChange restarts the stream.
      setStatus('locked');
      return;
    }
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    setStatus('live');
    backoffMs = 1000;
    await readStream(res.body, ctl.signal);
  } catch {
    // network error, server restart or abort: handled below
  }
  if (ctl.signal.aborted || controller !== ctl) return;
  setStatus('offline');
  retryTimer = setTimeout(() => void connect(), backoffMs);
  backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
}

async function readStream(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
}

/** One SSE block: `event:` and `data:` lines; `:` lines are keep-alive comments. */
function dispatch(block: string): void {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
  }
  if (event !== 'log' || data.length === 0) return;
  let log: LogSummary;
  try {
    log = JSON.parse(data.join('\n')) as LogSummary;
  } catch {
    return;
  }
  for (const fn of logListeners) fn(log);
}
