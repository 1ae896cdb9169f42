// The delivery queue: emails waiting for the worker (status `queued`, due at next_attempt_at) and emails in
// flight (status `sending`) under a lease. Orphaned work (lease expired) is claimable like due work.
import type { Message } from '../core/message.js';

/** An email claimed by one owner: it is `sending` under that owner's lease. */
export interface ClaimedEmail {
  readonly id: number;
  readonly message: Message;
  readonly deliveryKey: string | null;
  /** delivery rounds already made */
  readonly rounds: number;
  /** set after an uncertain failure with on_uncertain `retry`: only this provider is retried */
  readonly pinnedProvider: string | null;
  readonly createdAt: string;
}

export interface DeliveryQueue {
  /**
   * Claims up to `limit` emails, oldest due first: `queued` ones due at `now`, and `sending` ones whose lease has
   * expired (their sender died). Each becomes `sending` with lease (owner, now + leaseMs). Two concurrent claims,
   * from any connections or instances, never get the same email; a live lease is never taken.
   */
  claim(owner: string, leaseMs: number, limit: number, now?: number): Promise<ClaimedEmail[]>;
  /** Extends `owner`'s leases on `ids` to now + leaseMs; returns the ids it still holds (a lost lease is absent). */
  renew(owner: string, ids: readonly number[], leaseMs: number, now?: number): Promise<number[]>;
  /** Gives a claimed email back without an outcome: `queued`, due at `dueAt`. False when `owner` no longer holds it. */
  release(owner: string, id: number, dueAt: number): Promise<boolean>;
  /** When the next email falls due or an in-flight lease expires (epoch ms); undefined when nothing waits. */
  nextDueAt(): Promise<number | undefined>;
  /** The owners of live leases on in-flight emails, so those of an instance known to be gone can be handed over. */
  leaseHolders(now?: number): Promise<string[]>;
  /**
   * Ends `owner`'s leases on in-flight emails now, so the queue claims them at once; returns how many. Only for an
   * owner known to have ended: a live one would find its email taken.
   */
  expireLeases(owner: string): Promise<number>;
  /** Emails waiting or in flight (for /metrics); cheap. */
  depth(): Promise<number>;
}
