// Hands over what an instance that ended on this host still held: its in-flight emails (claimed at once by the
// queue, not when their leases expire) and its in-flight idempotency keys (replayed as queued, not answered 409).
// Only an instance that `presence` proves gone is touched; a live one, or one this host cannot see, keeps its
// leases until they expire.
import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryQueue } from '../store/delivery-queue.js';
import type { IdempotencyKeys } from '../store/idempotency-keys.js';
import type { Presence } from './presence.js';

interface Held {
  readonly queue: DeliveryQueue;
  readonly idempotency: IdempotencyKeys;
}

/** Ends every lease `owner` held; returns how many in-flight emails that freed. Only for an owner known to be gone. */
export async function takeOver(stores: Held, owner: string): Promise<number> {
  const emails = await stores.queue.expireLeases(owner);
  await stores.idempotency.expireLeases(owner);
  return emails;
}

export class Handover {
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly stores: Held,
    private readonly presence: Presence,
    /** this instance: never handed over */
    private readonly self: string,
    private readonly log: FastifyBaseLogger,
    /** called when emails were handed over, so the queue looks now */
    private readonly onEmails: () => void,
    private readonly everyMs = 2000,
  ) {}

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.everyMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Asks presence about every holder of an in-flight lease; takes over from those that are gone. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const owner of await this.stores.queue.leaseHolders()) {
        if (owner === this.self || (await this.presence.probe(owner)) !== 'gone') continue;
        const emails = await takeOver(this.stores, owner);
        this.presence.forget(owner);
        if (!emails) continue;
        this.log.warn({ instance: owner, emails }, 'an instance on this host ended with emails in flight: delivering them now');
        this.onEmails();
      }
    } catch (err) {
      this.log.error({ err }, 'checking lease holders failed');
    } finally {
      this.checking = false;
    }
  }
}
