// A dispatch result as the SMTP reply to DATA (SPEC section 7): 250 accepted, 451 try again, 554 refused.
import type { DispatchResult } from '../dispatch.js';

export interface SmtpReply {
  readonly code: number;
  /** one line: no CR/LF, bounded */
  readonly text: string;
}

const MAX_REPLY_TEXT = 400;
const line = (s: string) => s.replace(/[\r\n]+/g, ' ').slice(0, MAX_REPLY_TEXT);

export const NO_PROVIDERS_REPLY: SmtpReply = {
  code: 451,
  text: 'No active email providers configured (add or enable one with weight > 0); message not accepted, try again later',
};
export const INTERNAL_ERROR_REPLY: SmtpReply = { code: 451, text: 'Internal error, message not accepted; try again later' };
export const SUPPRESSED_REPLY: SmtpReply = { code: 550, text: '5.7.1 Recipient address is on the suppression list (it bounced or complained)' };
export const TOO_BIG_REPLY = (limit: number): SmtpReply => ({ code: 552, text: `Message exceeds fixed maximum message size of ${limit} bytes` });

export function toSmtpReply(r: DispatchResult): SmtpReply {
  switch (r.kind) {
    case 'sandbox':
      return { code: 250, text: `OK: captured by sandbox mode as log ${r.logId} (not sent externally)` };
    case 'queued':
      return { code: 250, text: `OK: queued as log ${r.logId}` };
    case 'scheduled':
      return { code: 250, text: `OK: scheduled for ${r.sendAt.toISOString()} as log ${r.logId}` };
    case 'success':
      return { code: 250, text: line(`OK: delivered via ${r.provider.name} as log ${r.logId}`) };
    case 'failed': {
      const why = r.errors.map((e) => `${e.provider_name}: ${e.error}`).join('; ') || 'no provider attempted';
      return r.transient
        ? { code: 451, text: line(`All providers failed, try again later (log ${r.logId}): ${why}`) }
        : { code: 554, text: line(`Rejected by every provider (log ${r.logId}): ${why}`) };
    }
    case 'unavailable':
      return NO_PROVIDERS_REPLY;
    case 'suppressed':
      return SUPPRESSED_REPLY;
  }
}
