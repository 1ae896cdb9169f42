// Hands over what an instance that ended on this host still held: its in-flight emails (claimed at once by the
// queue, not when their leases expire), its in-flight idempotency keys (replayed as queued, not answered 409) and
// its outbound webhook deliveries (sent by the next sender to look).
// Only an instance that `presence` proves gone is touched; a live one, or one this host cannot see, keeps its
// leases until they expire.
import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryQueue } from '../store/delivery-queue.js';
import type { IdempotencyKeys } from '../store/idempotency-keys.js';
import type { WebhookDeliveries } from '../store/webhooks.js';
import type { Presence } from './presence.js';

interface Held {
  readonly queue: DeliveryQueue;
  readonly idempotency: IdempotencyKeys;
  readonly webhookDeliveries: WebhookDeliveries;
}

/** Ends every lease `owner` held; says how many emails and webhook deliveries that freed. Only for an owner known to be gone. */
export async function takeOver(stores: Held, owner: string): Promise<{ emails: number; webhooks: number }> {
  const emails = await stores.queue.expireLeases(owner);
  await stores.idempotency.expireLeases(owner);
  const webhooks = await stores.webhookDeliveries.expireLeases(owner);
  return { emails, webhooks };
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
    /** called with what was handed over, so the queue and the webhook sender look now */
    private readonly onTaken: (taken: { emails: number; webhooks: number }) => void,
    private readonly everyMs = 2000,
  ) {}

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.everyMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Asks presence about every holder of a live lease; takes over from those that are gone. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const holders = new Set([...(await this.stores.queue.leaseHolders()), ...(await this.stores.webhookDeliveries.leaseHolders())]);
      for (const owner of holders) {
        if (owner === this.self || (await this.presence.probe(owner)) !== 'gone') continue;
        const taken = await takeOver(this.stores, owner);
        this.presence.forget(owner);
        if (!taken.emails && !taken.webhooks) continue;
        this.log.warn({ instance: owner, ...taken }, 'an instance on this host ended with work in flight: taking it over now');
        this.onTaken(taken);
      }
    } catch (err) {
      this.log.error({ err }, 'checking lease holders failed');
    } finally {
      this.checking = false;
    }
  }
}
