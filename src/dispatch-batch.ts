// Several emails from one request (native batch, Resend and Postmark batches, SendGrid personalizations):
// each goes through the one dispatch path on its own, a few at a time, results in request order.
import type { Message } from './core/message.js';
import type { Dispatcher, DispatchResult, SubmitOptions } from './dispatch.js';

export interface BatchItem {
  readonly message: Message;
  readonly sendAt?: Date;
}

export interface BatchOptions {
  readonly source: SubmitOptions['source'];
  /** the credential's name, recorded on each email */
  readonly apiKey: string | null;
  readonly async?: boolean;
  /** the request's Idempotency-Key: each email gets `key#i`, so a provider does not take them for one */
  readonly idempotencyKey?: string;
  readonly onStored?: (logId: number) => void;
}

/** Emails of one batch in flight at once: a 100-email batch must not open 100 provider connections. */
const BATCH_CONCURRENCY = 8;

/**
 * 'unavailable' (nothing stored) when an email that would be sent now has no provider to go to: the batch
 * is refused whole, like a single send's 503, rather than half accepted.
 */
export async function submitBatch(dispatcher: Dispatcher, items: readonly BatchItem[], o: BatchOptions): Promise<DispatchResult[] | 'unavailable'> {
  if (!dispatcher.sandboxed() && items.some((it) => !it.sendAt && dispatcher.plan(it.message).length === 0)) return 'unavailable';
  const results: DispatchResult[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const { message, sendAt } = items[i];
      const idempotencyKey = o.idempotencyKey === undefined ? undefined : `${o.idempotencyKey}#${i}`;
      results[i] = await dispatcher.submit(message, { source: o.source, apiKey: o.apiKey, async: o.async, sendAt, idempotencyKey, onStored: o.onStored });
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
  return results;
}
