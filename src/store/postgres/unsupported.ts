// SPEC section 12 stores not yet built on PostgreSQL (delivery events, the suppression list, outbound webhooks).
// Until they are, PostgreSQL mode reads them as empty (so sends, the queue and the webhook sender keep working,
// with nothing suppressed and no endpoint to call) and every write fails with this clear error (HTTP 500).
import type { DeliveryEvents } from '../delivery-events.js';
import type { Suppressions } from '../suppressions.js';
import type { WebhookDeliveries, Webhooks } from '../webhooks.js';

const notYet = (what: string) => async (): Promise<never> => {
  throw new Error(`${what} are not available on PostgreSQL yet (SQLite only)`);
};

export const unsupportedEvents: DeliveryEvents = {
  record: notYet('provider delivery events'),
  forEmail: async () => [],
};

export const unsupportedSuppressions: Suppressions = {
  add: notYet('suppressions'),
  remove: notYet('suppressions'),
  get: async () => undefined,
  list: async () => ({ suppressions: [], total: 0 }),
  suppressedAmong: async () => new Set(),
};

export const unsupportedWebhooks: Webhooks = {
  create: notYet('outbound webhooks'),
  delete: notYet('outbound webhooks'),
  list: async () => [],
  get: async () => undefined,
};

export const unsupportedWebhookDeliveries: WebhookDeliveries = {
  enqueue: notYet('outbound webhook deliveries'),
  finishAttempt: notYet('outbound webhook deliveries'),
  claimDue: async () => [],
  releaseLeases: async () => {},
  nextDueAt: async () => undefined,
  recent: async () => [],
};
