// Idempotency-Key on POST /api/send: same key + same body within 24 h → the first answer again.
import { createHash } from 'node:crypto';
import type { IdempotencyKeys } from '../store/idempotency-keys.js';
import { keepRenewed, type Lease } from '../store/lease.js';
import { ConflictError } from './errors.js';
import { RequestValidationError } from './validation.js';
import type { HttpAnswer } from './send-response.js';

/** JSON with sorted keys, so the same body in another key order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const requestHash = (body: unknown) => createHash('sha256').update(canonical(body)).digest('hex');

/** The header's value, checked: at most 255 visible characters. Undefined when absent. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > 255 || !/^[\x21-\x7e][\x20-\x7e]*$/.test(key)) {
    throw new RequestValidationError([
      { loc: ['header', 'Idempotency-Key'], msg: 'Idempotency-Key must be 1–255 printable ASCII characters', type: 'value_error' },
    ]);
  }
  return key;
}

/** Answers worth replaying: the email was accepted (delivered, captured, queued or failed for good). */
const KEPT = new Set([200, 202, 502]);

/**
 * Runs `handle` at most once per key and body. Replays come back as the first answer; a different body,
 * or the first request still running, is a 409.
 */
export async function withIdempotency(
  store: IdempotencyKeys,
  lease: Lease,
  key: string,
  body: unknown,
  handle: (onStored: (logId: number) => void) => Promise<HttpAnswer>,
  onAttachError: (err: unknown) => void = () => {},
): Promise<HttpAnswer> {
  const begun = await store.begin(key, requestHash(body), lease);
  if (begun.kind === 'replay') return { status: begun.status, body: begun.body };
  if (begun.kind === 'conflict') {
    throw new ConflictError(
      begun.reason === 'in_flight'
        ? 'A request with this Idempotency-Key is still being processed; retry later'
        : 'This Idempotency-Key was already used with a different request body',
    );
  }
  let answer: HttpAnswer;
  // Held while the request runs: if this process dies, the key is settled or freed once the lease expires.
  const stopRenewing = keepRenewed(lease, () => store.renew(key, lease));
  // Linking the key to its stored email runs beside delivery and only matters if the process dies before
  // finish(): its failure is reported, and must neither fail a request whose email went out nor end the process
  // as an unhandled rejection.
  let attached: Promise<void> = Promise.resolve();
  try {
    answer = await handle((logId) => {
      attached = store.attachLog(key, logId).catch(onAttachError);
    });
    await attached;
  } catch (err) {
    await store.release(key);
    throw err;
  } finally {
    stopRenewing();
  }
  if (KEPT.has(answer.status)) await store.finish(key, answer.status, answer.body);
  else await store.release(key);
  return answer;
}
