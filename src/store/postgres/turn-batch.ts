// Calls made in the same event-loop turn share one round trip (and, for writes, one durable commit): the way
// SQLite's group commit shares a transaction. Each caller still resolves only when its batch has answered. A batch
// that fails is retried item by item, so only a faulty item fails.

export class TurnBatch<In, Out> {
  private pending: { readonly item: In; readonly resolve: (out: Out) => void; readonly reject: (err: unknown) => void }[] = [];

  /**
   * @param run answers a batch of at most `max` items, one result per item in order
   * @param order sorts a batch before it runs (stable: equal items keep their call order)
   */
  constructor(
    private readonly run: (items: readonly In[]) => Promise<readonly Out[]>,
    private readonly max: number,
    private readonly order?: (a: In, b: In) => number,
  ) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (this.order) batch.sort((a, b) => this.order!(a.item, b.item));
    for (let i = 0; i < batch.length; i += this.max) {
      const chunk = batch.slice(i, i + this.max);
      try {
        const out = await this.run(chunk.map((p) => p.item));
        if (out.length !== chunk.length) throw new Error(`a batch of ${chunk.length} answered ${out.length}`);
        chunk.forEach((p, k) => p.resolve(out[k]));
      } catch (err) {
        if (chunk.length === 1) chunk[0].reject(err);
        else for (const p of chunk) await this.run([p.item]).then(([out]) => p.resolve(out), p.reject);
      }
    }
  }
}
