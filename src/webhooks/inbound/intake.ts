// The inbound path for provider delivery events: find the provider, verify with its scheme, store the
// events on their emails (once each), suppress hard bounces and complaints, and report what happened.
import type { ConfigStore } from '../../config/store.js';
import type { DeliveryEvent } from '../../core/delivery-event.js';
import { resolveSecrets } from '../../providers/registry.js';
import type { DeliveryEvents, RecordResult, StoredEvent } from '../../store/delivery-events.js';
import type { Suppressions } from '../../store/suppressions.js';
import { inboundScheme } from './index.js';
import type { InboundContext, InboundRequest } from './scheme.js';

export interface IntakeObserver {
  /** a request was answered: `result` is the outcome class (ok, refused status, not_found) */
  onRequest?(provider: string, result: string): void;
  /** events of one request: stored, duplicate or unknown, per event type */
  onEvents?(provider: string, result: RecordResult): void;
  /** a new event on an email (outbound webhooks fan out from here) */
  onStored?(event: StoredEvent): void;
  /** an address added to the suppression list by an event */
  onSuppressed?(event: StoredEvent): void;
}

export interface IntakeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const NOT_FOUND: IntakeAnswer = { status: 404, body: { detail: { message: 'No webhook is configured for this provider' } } };

/** Hard bounces and complaints stop every later send to the address, through any provider. */
const suppressionReason = (e: DeliveryEvent) =>
  e.type === 'complained' ? ('complaint' as const) : e.type === 'bounced' && e.bounce_type === 'hard' ? ('hard_bounce' as const) : undefined;

export class EventIntake {
  constructor(
    private readonly config: ConfigStore,
    private readonly events: DeliveryEvents,
    private readonly suppressions: Suppressions,
    private readonly ctx: InboundContext,
    private readonly observers: readonly IntakeObserver[] = [],
  ) {}

  private tell(f: (o: IntakeObserver) => void): void {
    for (const o of this.observers) f(o);
  }

  async receive(providerId: string, req: InboundRequest): Promise<IntakeAnswer> {
    const stored = this.config.current().providers.find((p) => p.id === providerId);
    const scheme = stored && inboundScheme(stored.type);
    const provider = stored && resolveSecrets(stored);
    if (!provider || !scheme || !scheme.configured(provider)) return NOT_FOUND;
    const verdict = await scheme.handle(req, provider, this.ctx);
    if (!verdict.ok) {
      this.tell((o) => o.onRequest?.(provider.name, `refused_${verdict.status}`));
      return { status: verdict.status, body: { detail: { message: verdictMessage(verdict.status) } } };
    }
    const result = await this.events.record(provider.id, verdict.events);
    for (const e of result.stored) {
      const reason = suppressionReason(e);
      if (reason && (await this.suppressions.add({ email: e.recipient, reason, provider_id: provider.id, log_id: e.log_id }))) this.tell((o) => o.onSuppressed?.(e));
    }
    this.tell((o) => o.onRequest?.(provider.name, 'ok'));
    this.tell((o) => o.onEvents?.(provider.name, result));
    for (const e of result.stored) this.tell((o) => o.onStored?.(e));
    return { status: 200, body: { received: verdict.events.length, stored: result.stored.length, duplicates: result.duplicates, unknown: result.unknown.length, ...(verdict.note ? { note: verdict.note } : {}) } };
  }
}

// Fixed texts: the verifier's reason goes to the debug log, never to the caller (it could help forge).
function verdictMessage(status: number): string {
  switch (status) {
    case 400: return 'The webhook body could not be read';
    case 403: return 'This webhook is not for this provider (topic mismatch)';
    case 502: return 'Could not confirm the subscription; try again';
    default: return 'Invalid or missing webhook signature';
  }
}
