// /api/stats from the counter rows both backends keep (key → value; PostgreSQL sums its shards first).
import type { Stats } from '../core/email-log.js';

export function statsFromCounters(rows: readonly { key: string; value: number }[]): Stats {
  const c = new Map(rows.map((r) => [r.key, r.value]));
  const byProvider: Stats['by_provider'] = {};
  for (const [key, value] of c) {
    const m = /^(sent|failed):(.*)$/s.exec(key);
    if (!m || value === 0) continue;
    byProvider[m[2]] ??= { sent: 0, failed: 0 };
    byProvider[m[2]][m[1] as 'sent' | 'failed'] = value;
  }
  const n = c.get('time_n') ?? 0;
  return {
    total: c.get('total') ?? 0,
    total_sent: c.get('status:success') ?? 0,
    total_failed: c.get('status:failed') ?? 0,
    total_sandbox: c.get('status:sandbox') ?? 0,
    total_queued: (c.get('status:queued') ?? 0) + (c.get('status:sending') ?? 0),
    total_scheduled: c.get('status:scheduled') ?? 0,
    avg_processing_time_ms: n > 0 ? Math.round(((c.get('time_sum') ?? 0) / n) * 100) / 100 : 0,
    by_provider: byProvider,
  };
}
