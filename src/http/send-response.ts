// A dispatch result as the HTTP answer of SPEC section 2: used by send, release and idempotent replay.
import type { DispatchResult } from '../dispatch.js';

export interface HttpAnswer {
  readonly status: number;
  /** serialized once, so an idempotent replay can return the same bytes */
  readonly body: string;
}

export const NO_PROVIDERS = 'No active email providers configured. Add a provider, or enable one with weight > 0, in config.json or the dashboard.';

export const toHttpAnswer = (r: DispatchResult): HttpAnswer => {
  const { status, body } = toAnswer(r);
  return { status, body: JSON.stringify(body) };
};

/** One email's entry in a batch's `results`: its own send's body, or for a failed one its failure in brief. */
export function toBatchResult(r: DispatchResult): unknown {
  if (r.kind === 'failed') return { status: 'failed', log_id: r.logId, errors: r.errors };
  if (r.kind === 'unavailable') return { status: 'failed', log_id: null, errors: [{ provider_id: null, provider_name: null, error: NO_PROVIDERS }] };
  return toAnswer(r).body;
}

export function toAnswer(r: DispatchResult): { status: number; body: unknown } {
  const suppressed = 'suppressed' in r && r.suppressed?.length ? { suppressed: r.suppressed } : {};
  switch (r.kind) {
    case 'sandbox':
      return answer(200, {
        status: 'sandbox',
        message: 'Email intercepted by Sandbox Mode (not sent externally)',
        log_id: r.logId,
        processing_time_ms: r.processingTimeMs,
        ...suppressed,
      });
    case 'queued':
      return answer(202, { status: 'queued', log_id: r.logId, ...suppressed });
    case 'scheduled':
      return answer(202, { status: 'scheduled', log_id: r.logId, send_at: r.sendAt.toISOString() });
    case 'success':
      return answer(200, {
        status: 'success',
        message: `Email sent successfully via ${r.provider.name}`,
        provider: r.provider,
        log_id: r.logId,
        processing_time_ms: r.processingTimeMs,
        message_id: r.messageId,
        attempts: r.attempts,
        ...suppressed,
      });
    case 'failed':
      return answer(502, {
        detail: {
          message: 'All email providers failed',
          log_id: r.logId,
          processing_time_ms: r.processingTimeMs,
          errors: r.errors,
          attempts: r.attempts,
          ...suppressed,
        },
      });
    case 'unavailable':
      return answer(503, { detail: { message: NO_PROVIDERS } });
    case 'suppressed':
      return answer(422, {
        detail: [{ loc: ['body', 'to'], msg: `Every recipient is on the suppression list: ${r.suppressed.join(', ')}`, type: 'suppressed' }],
        suppressed: r.suppressed,
      });
  }
}

const answer = (status: number, body: unknown) => ({ status, body });
