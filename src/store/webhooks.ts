// Outbound webhook endpoints and their durable delivery queue (claimed with leases, so several
// workers — or instances on one database — never send the same delivery at once). Backend-neutral:
// SQLite in sqlite/, PostgreSQL in postgres/.

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string | null;
  readonly created_at: string;
}

export interface Webhooks {
  create(e: WebhookEndpoint & { readonly secret: string }): Promise<void>;
  list(): Promise<WebhookEndpoint[]>;
  get(id: string): Promise<(WebhookEndpoint & { readonly secret: string }) | undefined>;
  delete(id: string): Promise<boolean>;
}

/** A delivery due now, leased to one worker. */
export interface ClaimedDelivery {
  readonly id: number;
  readonly webhookId: string;
  /** the `webhook-id` header: the same on every attempt */
  readonly msgId: string;
  readonly event: string;
  readonly payload: string;
  /** attempts already made */
  readonly attempts: number;
}

export interface DeliveryAttempt {
  readonly event: string;
  readonly attempted_at: string;
  readonly status_code: number | null;
  readonly duration_ms: number;
  readonly error: string | null;
  /** delivered, retrying (another attempt is scheduled) or failed (no more attempts) */
  readonly outcome: 'delivered' | 'retrying' | 'failed';
  readonly msg_id: string;
}

export interface WebhookDeliveries {
  /** Stores a delivery for each endpoint before anything is attempted. */
  enqueue(items: readonly { webhookId: string; msgId: string; event: string; payload: string }[], at: number): Promise<void>;
  /**
   * Leases up to `limit` due deliveries (pending, and not leased or lease expired) to `owner` for `leaseMs`.
   * Two concurrent claims, from any connection or instance, never return the same delivery.
   */
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<ClaimedDelivery[]>;
  /**
   * Records one attempt and ends the lease; `nextAttemptAt` null = done (delivered or given up). Applies only
   * while `owner` still holds the lease: false when it was lost (expired and claimed by another worker), and
   * then nothing is recorded, so the new holder's attempt is not cut short.
   */
  finishAttempt(owner: string, id: number, a: Omit<DeliveryAttempt, 'event' | 'msg_id'>, nextAttemptAt: number | null): Promise<boolean>;
  /**
   * At start, for a backend one process owns (SQLite): no lease can belong to a live worker, so leases are
   * released at once instead of waiting for them to expire. Shared backends let leases expire instead.
   */
  releaseLeases(): Promise<void>;
  /** The owners of live leases on pending deliveries, so those of an instance known to be gone can be handed over. */
  leaseHolders(now?: number): Promise<string[]>;
  /** Releases `owner`'s leases now (an owner known to have ended), so its deliveries are claimed at once; returns how many. */
  expireLeases(owner: string): Promise<number>;
  /** When the next pending delivery falls due (epoch ms); a leased one when its lease expires. */
  nextDueAt(): Promise<number | undefined>;
  /** An endpoint's recent attempts, newest first. */
  recent(webhookId: string, limit: number): Promise<DeliveryAttempt[]>;
}
