// What a provider answers: a receipt, success or a classed failure. Classifiers live here, once.

/** `uncertain`: a timeout or dropped connection after the request was fully written; it may have been accepted. */
export type ErrorClass = 'transient' | 'permanent' | 'uncertain';

export interface DeliveryFailure {
  /** short machine code, e.g. `http_429`, `timeout`, `smtp_550`, `connection` */
  readonly code: string;
  readonly class: ErrorClass;
  /** human-readable; never contains a secret */
  readonly message: string;
  readonly statusCode?: number;
  readonly retryAfterMs?: number;
}

export type Receipt =
  | { readonly successful: true; readonly messageId: string | null }
  | { readonly successful: false; readonly error: DeliveryFailure };

export const ok = (messageId: string | null): Receipt => ({ successful: true, messageId });
export const fail = (error: DeliveryFailure): Receipt => ({ successful: false, error });

/** 408, 425, 429 and 5xx are worth retrying; other 4xx are the request's fault. */
export function classifyHttpStatus(status: number): ErrorClass {
  return status === 408 || status === 425 || status === 429 || status >= 500 ? 'transient' : 'permanent';
}

/** SMTP 4xx replies are temporary by definition (RFC 5321 4.2.1); 5xx are permanent. */
export function classifySmtpCode(code: number | undefined): ErrorClass {
  if (code === undefined) return 'transient';
  return code >= 400 && code < 500 ? 'transient' : 'permanent';
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function httpFailure(status: number, detail: string, retryAfter?: string | null): DeliveryFailure {
  return {
    code: `http_${status}`,
    class: classifyHttpStatus(status),
    statusCode: status,
    message: `HTTP ${status}: ${detail}`.slice(0, 1000),
    retryAfterMs: parseRetryAfter(retryAfter),
  };
}

/** A thrown error (network, abort, bug) as a failure: timeouts and connection errors are transient. */
export function errorToFailure(err: unknown, timedOut = false): DeliveryFailure {
  if (timedOut) return { code: 'timeout', class: 'transient', message: 'timed out' };
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code ?? e?.name ?? 'error';
  const message = e?.cause?.message ?? e?.message ?? String(err);
  return { code: String(code).toLowerCase(), class: 'transient', message: `connection error: ${message}`.slice(0, 1000) };
}
