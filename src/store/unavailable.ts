// A store call that failed because the database cannot be reached now: callers answer 503 (SMTP 451) and the
// client retries; nothing was acknowledged, so nothing is lost. Other store errors stay 500s.
import { isConnectionError } from './postgres/errors.js';

export function isStoreUnavailable(err: unknown): boolean {
  return isConnectionError(err);
}
