// Prometheus metrics (prom-client): sends by status and provider, attempt latency, queue depth, circuits.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProviderConfig } from './core/provider.js';
import type { Receipt } from './core/receipt.js';
import type { CircuitBreaker } from './routing/breaker.js';
import type { ChangeFeed } from './store/change-feed.js';
import type { DeliveryQueue } from './store/delivery-queue.js';

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

export class Metrics {
  readonly registry = new Registry();
  private readonly emails: Counter<'status' | 'provider'>;
  private readonly attempts: Counter<'provider' | 'outcome'>;
  private readonly latency: Histogram<'provider'>;

  constructor(queue: Pick<DeliveryQueue, 'depth'>, changes: ChangeFeed, breaker: CircuitBreaker, providers: () => readonly ProviderConfig[]) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'protopost_' });
    this.emails = new Counter({
      name: 'protopost_emails_total',
      help: 'Emails by status reached (queued, sending, success, failed, sandbox) and provider',
      labelNames: ['status', 'provider'],
      registers,
    });
    this.attempts = new Counter({
      name: 'protopost_attempts_total',
      help: 'Delivery attempts by provider and outcome (ok, transient, permanent)',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'protopost_attempt_duration_seconds',
      help: 'Duration of each delivery attempt, per provider',
      labelNames: ['provider'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    new Gauge({
      name: 'protopost_queue_depth',
      help: 'Emails queued or being sent by the queue',
      registers,
      async collect() {
        this.set(await queue.depth());
      },
    });
    new Gauge({
      name: 'protopost_circuit_state',
      help: 'Circuit breaker state per provider: 0 closed, 1 half_open, 2 open',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const p of providers()) this.set({ provider: p.name }, CIRCUIT_VALUE[breaker.state(p.id)]);
      },
    });
    // This process's own transitions only: other instances count theirs.
    changes.subscribe((c) => {
      if (c.local && c.transitioned) this.emails.inc({ status: c.status, provider: c.provider ?? 'none' });
    });
  }

  onAttempt(provider: ProviderConfig, receipt: Receipt, durationMs: number): void {
    this.attempts.inc({ provider: provider.name, outcome: receipt.successful ? 'ok' : receipt.error.class });
    this.latency.observe({ provider: provider.name }, durationMs / 1000);
  }
}
