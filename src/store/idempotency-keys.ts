// Idempotency-Key bookkeeping for POST /api/send: the first answer to a key is kept 24 h and replayed byte for
// byte. A key in flight is held under a lease, so a request whose process died frees (or settles) its key once
// the lease expires, and a live request elsewhere is never taken over.
import type { Lease } from './lease.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type Begin =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly status: number; readonly body: string }
  | { readonly kind: 'conflict'; readonly reason: 'different_body' | 'in_flight' };

export interface IdempotencyKeys {
  /**
   * Claims `key` for this request, or says why not. Atomic across connections and instances: of any number of
   * concurrent begins for one key, exactly one gets `new`. A key older than the TTL counts as absent. A key whose
   * request died (lease expired, no answer): if its email was stored the answer is settled as 202
   * `{"status":"queued","log_id":N}` (the queue delivers it) and replayed; if not, the key is free again.
   */
  begin(key: string, requestHash: string, lease: Lease, now?: number): Promise<Begin>;
  /** Extends the in-flight lease; false when the key is no longer held by `owner`. */
  renew(key: string, lease: Lease, now?: number): Promise<boolean>;
  /** The email behind the key is stored: a crash from here on still leaves an answer to replay. */
  attachLog(key: string, logId: number): Promise<void>;
  /** Keeps the answer to replay; the key stops being in flight. */
  finish(key: string, status: number, body: string): Promise<void>;
  /** The request ended without an answer worth keeping (4xx, 503, 500): the key may be used again. */
  release(key: string): Promise<void>;
  /** Ends `owner`'s in-flight leases now (an owner known to have ended): its keys settle as its lease expiry would. */
  expireLeases(owner: string): Promise<number>;
  /** Forgets keys older than the TTL; returns how many. */
  prune(now?: number): Promise<number>;
}
