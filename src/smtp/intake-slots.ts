// A counting semaphore for large messages being received. Below a threshold a message needs no slot;
// past it, the session waits (its DATA stream paused, so TCP pushes back on the client) until one of a
// few slots is free. Memory then stays bounded by slots × message limit, whatever the number of sessions.

export class IntakeSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(slots: number) {
    this.free = slots;
  }

  /** Resolves with a release function once a slot is held; release is idempotent. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          const next = this.waiting.shift();
          if (next) next();
          else this.free++;
        });
      };
      if (this.free > 0) {
        this.free--;
        grant();
      } else this.waiting.push(grant);
    });
  }
}
