import type { Provider, ProviderContext } from '../../src/core/provider.js';
import type { Message } from '../../src/core/message.js';
import type { Receipt } from '../../src/core/receipt.js';

export const testContext = (): ProviderContext => ({ fetch: globalThis.fetch, userAgent: 'protopost/test' });

/** Sends the way the routing engine does: with an abort signal that fires at the timeout. */
export function sendWithTimeout(p: Provider, m: Message, idempotencyKey?: string, timeoutMs = 5000): Promise<Receipt> {
  return p.send(m, { signal: AbortSignal.timeout(timeoutMs), idempotencyKey });
}
