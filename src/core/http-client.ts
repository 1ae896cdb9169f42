// The HTTP client providers send with: undici's request API (the engine under Node's fetch, without the
// WHATWG Request/Response/stream layers, which cost more CPU per call than the rest of the relay path).
import type { Dispatcher } from 'undici';
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';

// Whether a request went out in full before it failed: a timeout or reset after that may mean the provider
// accepted the email (SPEC section 12, "uncertain"). undici (ours and the one inside Node's fetch) announces
// each request's creation and, later, that its body was sent; the request object links the two, and the
// attempt's signal (passed with the request) names the attempt. undici's request() creates it synchronously,
// so a variable set around the call says whose it is; fetch creates it later, so its calls carry the signal in
// an AsyncLocalStorage — only they: once used, an AsyncLocalStorage makes every promise in the process pay for
// context tracking.
let creating: AbortSignal | undefined;
const attemptContext = new AsyncLocalStorage<AbortSignal>();
const signalOf = new WeakMap<object, AbortSignal>();
const written = new WeakSet<AbortSignal>();
subscribe('undici:request:create', (m) => {
  const signal = creating ?? attemptContext.getStore();
  if (signal) signalOf.set((m as { request: object }).request, signal);
});
subscribe('undici:request:bodySent', (m) => {
  const signal = signalOf.get((m as { request: object }).request);
  if (signal) written.add(signal);
});

/** True once any request made under this signal (through `withAttempt`) was fully written. */
export const requestWritten = (signal: AbortSignal) => written.has(signal);

/** Runs `fn` (a fetch call) so that the requests it starts are tracked under `signal` (see requestWritten). */
export const withAttempt = <T>(signal: AbortSignal, fn: () => T): T => attemptContext.run(signal, fn);

export interface HttpResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface HttpRequestInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | FormData;
  readonly signal: AbortSignal;
}

/** A fetch-shaped function: tests may pass the global fetch, whose Response fits HttpResponseLike. */
export type HttpClient = (url: string, init: HttpRequestInit) => Promise<HttpResponseLike>;

// Loaded with the first provider call, not at start-up.
let undici: Promise<typeof import('undici')> | undefined;

export const undiciClient: HttpClient = async (url, init) => {
  // Multipart bodies (Mailgun) go through fetch, which encodes FormData itself.
  if (init.body instanceof FormData) return withAttempt(init.signal, () => fetch(url, init));
  const { request } = await (undici ??= import('undici'));
  let sent: Promise<Dispatcher.ResponseData>;
  creating = init.signal;
  try {
    sent = request(url, { method: init.method as 'POST', headers: init.headers, body: init.body, signal: init.signal });
  } finally {
    creating = undefined;
  }
  const res = await sent;
  const text = await res.body.text();
  const headers = res.headers;
  return {
    status: res.statusCode,
    headers: {
      get(name) {
        const v = headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    text: async () => text,
  };
};
