// The change feed: every new or changed log record is announced here. SSE, metrics and the queue's wake-up
// subscribe; nothing reaches into the store for it. In PostgreSQL mode other instances' changes arrive too.
import type { EmailStatus, LogSummary } from '../core/email-log.js';

export interface LogChange {
  readonly id: number;
  readonly status: EmailStatus;
  /** name of the provider this change recorded (a delivery outcome), else null */
  readonly provider: string | null;
  /** the change set a status (a new record or a transition), not only edited a record */
  readonly transitioned: boolean;
  /** made by this process; metrics count only these, SSE shows every change */
  readonly local: boolean;
  /**
   * The record as it was right after this change. Call it in the listener itself (synchronously) to read that
   * state: a backend may read it lazily, and a later call may see a later state.
   */
  summary(): Promise<LogSummary | undefined>;
}

export type ChangeListener = (change: LogChange) => void;

export interface ChangeFeed {
  /** Listeners are called in the order changes were committed; returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
}

/** In-process fan-out, for backends to announce their changes through. A throwing listener does not stop the others. */
export class LocalChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listening(): boolean {
    return this.listeners.size > 0;
  }

  publish(change: LogChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // a subscriber's bug must not undo or block the write that was announced
      }
    }
  }
}
