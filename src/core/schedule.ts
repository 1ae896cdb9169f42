// `send_at`: when a scheduled email is due. One rule for the native API and every drop-in's own format.

export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 60 * 60 * 1000;

// Date, time and a mandatory offset (Z or ±hh:mm). Fixed-width pieces: linear on any input, and the
// caller bounds the length first.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export type SendAtCheck = { readonly ok: true; readonly at: Date } | { readonly ok: false; readonly msg: string };

/** An ISO 8601 timestamp with a UTC offset, in the future and at most 30 days ahead. */
export function parseSendAt(text: string, now = Date.now()): SendAtCheck {
  if (text.length > 40 || !ISO_WITH_OFFSET.test(text)) {
    return { ok: false, msg: 'send_at must be an ISO 8601 date-time with a UTC offset, e.g. 2026-01-02T15:04:05Z' };
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) return { ok: false, msg: 'send_at is not a real date and time' };
  return inWindow(at, now);
}

/** UNIX seconds (SendGrid's `send_at`), by the same window. */
export function sendAtFromUnix(seconds: number, now = Date.now()): SendAtCheck {
  if (!Number.isSafeInteger(seconds) || seconds < 0) return { ok: false, msg: 'send_at must be a UNIX timestamp in whole seconds' };
  return inWindow(seconds * 1000, now);
}

function inWindow(at: number, now: number): SendAtCheck {
  if (at <= now) return { ok: false, msg: 'send_at must be in the future' };
  if (at - now > MAX_SCHEDULE_AHEAD_MS) return { ok: false, msg: 'send_at must be at most 30 days ahead' };
  return { ok: true, at: new Date(at) };
}
