// Outbound webhooks to the application: each event is stored as one delivery per subscribed endpoint
// before anything is sent, then POSTed, signed per Standard Webhooks (the standardwebhooks package), and
// retried with backoff across restarts under the same `webhook-id`. Destinations are checked after DNS
// resolution at every attempt, and the connection goes to the address that was checked.
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { Webhook } from 'standardwebhooks';
import type { ClaimedDelivery, WebhookDeliveries, WebhookEndpoint, Webhooks } from '../../store/webhooks.js';
import { checkDestination, systemResolver, type Resolver } from './destination.js';
import { USER_AGENT } from '../../version.js';

export const OUTBOUND_EVENTS = [
  'email.sent', 'email.failed', 'email.delivered', 'email.deferred', 'email.bounced', 'email.complained', 'email.opened', 'email.clicked', 'email.suppressed',
] as const;
export type OutboundEvent = (typeof OUTBOUND_EVENTS)[number];

export interface SenderOptions {
  /** waits between attempts: N waits = N + 1 attempts */
  readonly retryDelaysMs: readonly number[];
  readonly allowPrivate: boolean;
  readonly logger: FastifyBaseLogger;
  readonly resolve?: Resolver;
  readonly timeoutMs?: number;
  readonly leaseMs?: number;
  /** whose leases its deliveries are held under: the instance (INSTANCE_ID), so a gone one's are handed over */
  readonly owner?: string;
  /**
   * The longest the sender sleeps before looking again (default 10 s). On a shared database another instance
   * may enqueue deliveries, or die holding some; this finds them without being woken.
   */
  readonly pollMs?: number;
}

const BATCH = 20;
const POLL_MS = 10_000;
const SUBSCRIBERS_TTL_MS = 2_000;
const ERROR_MAX = 300;

interface AttemptResult {
  readonly status: number | null;
  readonly error: string | null;
}

export class WebhookSender {
  private cache?: { at: number; endpoints: WebhookEndpoint[] };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly owner: string;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly webhooks: Webhooks, private readonly deliveries: WebhookDeliveries, private readonly o: SenderOptions) {
    this.owner = o.owner ?? randomUUID();
  }

  /** Endpoints, cached briefly: an email's outcome must not cost a query when no webhook exists. */
  async endpoints(): Promise<WebhookEndpoint[]> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > SUBSCRIBERS_TTL_MS) this.cache = { at: now, endpoints: await this.webhooks.list() };
    return this.cache.endpoints;
  }

  /** After a create or delete. */
  invalidate(): void {
    this.cache = undefined;
  }

  /** From the cached endpoints, without waiting: false only when no endpoint is known to want `event`. */
  mayWant(event: OutboundEvent): boolean {
    const c = this.cache;
    return !c || Date.now() - c.at > SUBSCRIBERS_TTL_MS || c.endpoints.some((e) => e.events.includes(event));
  }

  async wants(event: OutboundEvent): Promise<boolean> {
    return (await this.endpoints()).some((e) => e.events.includes(event));
  }

  /** Stores one delivery per endpoint subscribed to `event`, then wakes the sender. */
  async publish(event: OutboundEvent, data: Record<string, unknown>): Promise<void> {
    const subscribed = (await this.endpoints()).filter((e) => e.events.includes(event));
    if (!subscribed.length) return;
    const payload = JSON.stringify({ type: event, timestamp: new Date().toISOString(), data });
    await this.deliveries.enqueue(subscribed.map((e) => ({ webhookId: e.id, msgId: `msg_${randomUUID().replace(/-/g, '')}`, event, payload })), Date.now());
    this.wake();
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.deliveries.releaseLeases();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([this.running, ...this.inFlight]);
  }

  wake(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), 0);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = (async () => {
      try {
        for (;;) {
          const due = await this.deliveries.claimDue(Date.now(), BATCH, this.owner, this.o.leaseMs ?? 30_000);
          if (!due.length || this.stopped) break;
          await Promise.all(due.map((d) => this.track(this.attempt(d))));
        }
      } catch (err) {
        this.o.logger.error({ err }, 'webhook delivery loop failed');
      }
    })();
    await this.running;
    this.running = undefined;
    await this.schedule();
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    return p.finally(() => this.inFlight.delete(p));
  }

  private async schedule(): Promise<void> {
    if (this.stopped) return;
    const poll = this.o.pollMs ?? POLL_MS;
    const at = await this.deliveries.nextDueAt().catch(() => undefined);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), at === undefined ? poll : Math.min(Math.max(0, at - Date.now()), poll));
    this.timer.unref();
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const started = Date.now();
    const t0 = performance.now();
    const endpoint = await this.webhooks.get(d.webhookId);
    const result: AttemptResult = endpoint ? await this.post(endpoint.url, endpoint.secret, d) : { status: null, error: 'webhook deleted' };
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const delay = this.o.retryDelaysMs[d.attempts];
    const next = delivered || !endpoint || delay === undefined ? null : Date.now() + delay;
    const held = await this.deliveries.finishAttempt(
      this.owner,
      d.id,
      {
        attempted_at: new Date(started).toISOString(),
        status_code: result.status,
        duration_ms: Math.round((performance.now() - t0) * 100) / 100,
        error: result.error,
        outcome: delivered ? 'delivered' : next === null ? 'failed' : 'retrying',
      },
      next,
    );
    // Not held: this attempt outlived its lease and another worker has the delivery now (its outcome counts, not
    // this one), or the endpoint was deleted meanwhile.
    if (!held && endpoint) this.o.logger.warn({ delivery: d.id, webhook: d.webhookId }, 'webhook delivery no longer held after an attempt (lease lost or webhook deleted); outcome dropped');
  }

  private async post(rawUrl: string, secret: string, d: ClaimedDelivery): Promise<AttemptResult> {
    const check = await checkDestination(rawUrl, this.o.allowPrivate, this.o.resolve ?? systemResolver);
    if (!check.ok) return { status: null, error: check.reason };
    const timestamp = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': d.msgId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(d.msgId, timestamp, d.payload),
      'content-length': String(Buffer.byteLength(d.payload)),
    };
    // Connect to the address that passed the check, not to whatever the name resolves to a moment later.
    const address = check.addresses[0];
    const family = isIP(address);
    const lookup: LookupFunction = (_host, opts, cb) => {
      if ((opts as { all?: boolean }).all) (cb as any)(null, [{ address, family }]);
      else cb(null, address, family);
    };
    const request = check.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<AttemptResult>((resolve) => {
      const req = request(check.url, { method: 'POST', headers, lookup, timeout: this.o.timeoutMs ?? 5_000 }, (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? null, error: res.statusCode && res.statusCode < 300 ? null : `HTTP ${res.statusCode}` }));
        res.on('error', () => resolve({ status: res.statusCode ?? null, error: 'response interrupted' }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out after 5 s')));
      req.on('error', (err) => resolve({ status: null, error: err.message.slice(0, ERROR_MAX) }));
      req.end(d.payload);
    });
  }
}
