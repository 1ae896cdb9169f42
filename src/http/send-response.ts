// A dispatch result as the HTTP answer of SPEC section 2: used by send, release and idempotent replay.
import type { DispatchResult } from '../dispatch.js';

export interface HttpAnswer {
  readonly status: number;
  /** serialized once, so an idempotent replay can return the same bytes */
  readonly body: string;
}

export const NO_PROVIDERS = 'No active email providers configured. Add a provider, or enable one with weight > 0, in config.json or the dashboard.';

export function toHttpAnswer(r: DispatchResult): HttpAnswer {
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

const answer = (status: number, body: unknown): HttpAnswer => ({ status, body: JSON.stringify(body) });
