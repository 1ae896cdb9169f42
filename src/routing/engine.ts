// Runs the attempts: each provider in the plan, each under its own timeout, until one succeeds.
import type { Message } from '../core/message.js';
import type { Provider, ProviderConfig } from '../core/provider.js';
import { errorToFailure, type DeliveryFailure, type Receipt } from '../core/receipt.js';
import { requestWritten } from '../core/http-client.js';
import type { OnUncertain } from '../config/types.js';
import { DEFAULT_TIMEOUT_MS } from '../config/types.js';
import { overRecipientLimit } from '../core/recipient-limit.js';
import { withParts } from '../smtp/parse.js';
import type { AttemptRecord } from '../core/email-log.js';

export interface AttemptObserver {
  /** called after every attempt (circuit breaker, metrics) */
  onAttempt?(provider: ProviderConfig, receipt: Receipt, durationMs: number): void;
}

export interface DeliveryResult {
  readonly attempts: AttemptRecord[];
  readonly failures: { provider: ProviderConfig; error: DeliveryFailure }[];
  readonly delivered?: { provider: ProviderConfig; messageId: string | null };
  /** the provider whose uncertain failure stopped the attempts (on_uncertain `retry` or `fail`) */
  readonly uncertain?: { provider: ProviderConfig; policy: Exclude<OnUncertain, 'failover'> };
}

export interface DeliverOptions {
  readonly idempotencyKey?: string;
  /** aborts every attempt (shutdown) */
  readonly signal?: AbortSignal;
  /** what an uncertain failure leads to; default failover (try the next provider) */
  readonly onUncertain?: OnUncertain;
}

export class RoutingEngine {
  /**
   * `errorText` cleans every provider error before anyone sees it (attempt list, failures, observers): an API
   * that echoes the key back must not put it into a response or the log, on the success path either.
   */
  constructor(
    private readonly providerFor: (config: ProviderConfig) => Provider,
    private readonly observer: AttemptObserver = {},
    private readonly errorText: (text: string) => string = (text) => text,
  ) {}

  async deliver(message: Message, plan: readonly ProviderConfig[], options: DeliverOptions = {}): Promise<DeliveryResult> {
    const attempts: AttemptRecord[] = [];
    const failures: DeliveryResult['failures'] = [];
    // An SMTP message carries only its raw source: its parts are derived once, and only if a provider
    // that cannot relay the raw bytes is tried.
    let parts: Promise<Message> | undefined;
    const messageFor = (p: Provider) => (message.raw && !p.relaysRaw ? (parts ??= withParts(message)) : message);
    for (const config of plan) {
      const startedAt = new Date();
      const t0 = performance.now();
      const refused = this.refusal(config, message);
      const receipt = refused ?? this.cleaned(await this.attempt(config, messageFor, options));
      const duration = Math.round((performance.now() - t0) * 100) / 100;
      // A message the provider cannot take says nothing about the provider's health: no breaker, no metric.
      if (!refused) this.observer.onAttempt?.(config, receipt, duration);
      attempts.push({
        provider_id: config.id,
        provider_name: config.name,
        provider_type: config.type,
        started_at: startedAt.toISOString(),
        duration_ms: duration,
        ok: receipt.successful,
        error: receipt.successful ? null : receipt.error.message,
        error_class: receipt.successful ? null : receipt.error.class,
      });
      if (receipt.successful) return { attempts, failures, delivered: { provider: config, messageId: receipt.messageId } };
      failures.push({ provider: config, error: receipt.error });
      if (options.signal?.aborted) break;
      const policy = options.onUncertain ?? 'failover';
      if (receipt.error.class === 'uncertain' && policy !== 'failover') return { attempts, failures, uncertain: { provider: config, policy } };
    }
    return { attempts, failures };
  }

  /** A failure known before any request: the message has more recipients than this provider's API takes. */
  private refusal(config: ProviderConfig, message: Message): Receipt | null {
    let provider: Provider;
    try {
      provider = this.providerFor(config);
    } catch {
      return null; // attempt() reports it
    }
    const failure = overRecipientLimit(provider.recipientLimit, message, config.name);
    return failure ? { successful: false, error: failure } : null;
  }

  private cleaned(receipt: Receipt): Receipt {
    return receipt.successful ? receipt : { successful: false, error: { ...receipt.error, message: this.errorText(receipt.error.message) } };
  }

  private async attempt(config: ProviderConfig, messageFor: (p: Provider) => Message | Promise<Message>, options: DeliverOptions): Promise<Receipt> {
    // One controller per attempt, fed by its timer and the caller's signal. (AbortSignal.any would tie
    // every attempt's signal to the long-lived shutdown signal, which Node 20 keeps alive with it.)
    const controller = new AbortController();
    const signal = controller.signal;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timed out'));
    }, config.timeout_ms ?? DEFAULT_TIMEOUT_MS);
    const outer = options.signal;
    const onOuterAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      return uncertainIfWritten(await this.run(config, messageFor, options, signal, () => timedOut), signal);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  private async run(config: ProviderConfig, messageFor: (p: Provider) => Message | Promise<Message>, options: DeliverOptions, signal: AbortSignal, timedOut: () => boolean): Promise<Receipt> {
    try {
      const provider = this.providerFor(config);
      const message = await messageFor(provider);
      // A provider that ignores its signal still cannot hold the attempt past the timeout.
      return await new Promise<Receipt>((resolve, reject) => {
        const onAbort = () => resolve({ successful: false, error: errorToFailure(signal.reason, timedOut()) });
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        provider.send(message, { signal, idempotencyKey: options.idempotencyKey }).then(resolve, reject).finally(() => {
          signal.removeEventListener('abort', onAbort);
        });
      });
    } catch (err) {
      return { successful: false, error: errorToFailure(err, timedOut()) };
    }
  }
}

/**
 * A timeout or connection failure (no HTTP status) after the whole request went out may mean the provider
 * accepted it. A refused connection never wrote the request; a 5xx has a status: neither is uncertain.
 */
function uncertainIfWritten(r: Receipt, signal: AbortSignal): Receipt {
  if (r.successful || r.error.class !== 'transient' || r.error.statusCode !== undefined || !requestWritten(signal)) return r;
  return { successful: false, error: { ...r.error, class: 'uncertain', message: `uncertain (the request was sent in full): ${r.error.message}`.slice(0, 1000) } };
}
