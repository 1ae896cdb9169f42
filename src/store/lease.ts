// A lease: who works on a record and until when. Work whose lease expired is orphaned and may be taken by
// any instance; work under a live lease is never taken.

export interface Lease {
  /** the instance holding it (INSTANCE_ID or generated per process) */
  readonly owner: string;
  /** how long from now it lasts (QUEUE_LEASE_MS); renewed while the work runs */
  readonly ms: number;
}

/** Renews every third of the lease until the returned function is called; a failed renewal waits for the next. */
export function keepRenewed(lease: Lease, renew: () => Promise<unknown>): () => void {
  const timer = setInterval(() => void renew().catch(() => {}), Math.max(1, Math.floor(lease.ms / 3)));
  timer.unref();
  return () => clearInterval(timer);
}
