// Pruning for LOG_RETENTION_DAYS / LOG_MAX_ROWS: one short batch per call, so sends never wait behind it.
// Only final records (success, failed, sandbox) are ever removed.

export interface LogRetention {
  /** Deletes up to `batch` final records created before `cutoff` (ISO 8601); returns how many. */
  pruneOlderThan(cutoff: string, batch: number): Promise<number>;
  /** Deletes up to `batch` final records older than the newest `keep`; returns how many. */
  pruneBeyond(keep: number, batch: number): Promise<number>;
}
