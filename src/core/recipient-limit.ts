// How many recipients a provider's API takes in one message, declared beside each provider's definition
// and checked once, in the routing engine, before any request: an over-limit message fails there at once.
import { recipients, type Message } from './message.js';
import type { DeliveryFailure } from './receipt.js';

export interface RecipientLimit {
  readonly max: number;
  /** `message`: to + cc + bcc together; `field`: each of to, cc, bcc on its own */
  readonly per: 'message' | 'field';
}

/** The permanent failure for a message over `limit`, or null when it fits (or there is no limit). */
export function overRecipientLimit(limit: RecipientLimit | undefined, m: Message, providerLabel: string): DeliveryFailure | null {
  if (!limit) return null;
  // A relayed SMTP message is addressed by its envelope alone; count it as one list.
  const count = limit.per === 'message' || m.envelope ? recipients(m).length : Math.max(m.to.length, m.cc.length, m.bcc.length);
  if (count <= limit.max) return null;
  const what = limit.per === 'message' ? 'recipients (to + cc + bcc) per message' : 'recipients per field (to, cc, bcc)';
  return {
    code: 'too_many_recipients',
    class: 'permanent',
    message: `${count} recipients: ${providerLabel} accepts at most ${limit.max} ${what}; not sent to this provider`,
  };
}
