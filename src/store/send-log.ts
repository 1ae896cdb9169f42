// The send log: one record per accepted email with its attempts. Every change of an email's status goes
// through `transition` (one function), and every change is announced on the ChangeFeed.
import type { Message } from '../core/message.js';
import type { AttemptRecord, EmailStatus, LogDetail, LogFilter, LogSummary, ProviderRef, Source, Stats } from '../core/email-log.js';
import type { Lease } from './lease.js';

export interface NewEmail {
  readonly source: Source;
  /** the credential that submitted it (key name or "AUTH_TOKEN"); null without auth */
  readonly apiKey?: string | null;
  readonly status: EmailStatus;
  readonly message: Message;
  readonly idempotencyKey?: string;
  /** the key providers deduplicate on (Resend's Idempotency-Key): the client's key or a random one */
  readonly deliveryKey?: string;
  readonly processingTimeMs?: number;
  /** epoch ms when the queue should pick it up (status `queued`) */
  readonly nextAttemptAt?: number;
  /** status `sending` (a synchronous send): the sender's lease, so the queue delivers it if the sender dies */
  readonly lease?: Lease;
  /** recipients removed before routing because they are on the suppression list */
  readonly suppressed?: readonly string[];
  /** status `scheduled`: when it is due (also its `nextAttemptAt`: DeliveryQueue.claim takes it then) */
  readonly sendAt?: Date;
}

/** One status change, with what it records. Guards (`from`, `holder`) make it a compare-and-set. */
export interface Transition {
  readonly to: EmailStatus;
  /** applies only while the record is in one of these statuses */
  readonly from?: readonly EmailStatus[];
  /**
   * applies only while this owner holds the record's lease: the outcome of a send whose lease was taken over
   * by another instance is dropped (that instance records its own)
   */
  readonly holder?: string;
  /** with `to: 'sending'`: the lease taken; any other `to` clears the lease */
  readonly lease?: Lease;
  readonly provider?: ProviderRef;
  readonly processingTimeMs?: number;
  readonly messageId?: string | null;
  readonly errorMessage?: string | null;
  /** appended to the record's attempts (attempt_count grows by their number) */
  readonly attempts?: readonly AttemptRecord[];
  /** when the queue should pick it up next; null = not queued */
  readonly nextAttemptAt?: number | null;
  /** the queue finished one more delivery round */
  readonly countRound?: boolean;
  /** sets the key providers deduplicate on (a release gets one); absent keeps the stored one */
  readonly deliveryKey?: string;
  /** on_uncertain `retry`: later rounds go to this provider only (null clears it; absent keeps it) */
  readonly pinnedProvider?: string | null;
}

export interface StoredMessage {
  readonly message: Message;
  readonly status: EmailStatus;
  readonly source: Source;
  readonly deliveryKey: string | null;
}

export interface SendLog {
  /** Stores a new email durably (committed before it resolves: acknowledgements follow it) and returns its id. */
  record(e: NewEmail): Promise<number>;
  /** Applies `t` atomically (status, attempts, outcome fields, lease); false when a guard did not hold or no such id. */
  transition(id: number, t: Transition): Promise<boolean>;
  summary(id: number): Promise<LogSummary | undefined>;
  get(id: number): Promise<LogDetail | undefined>;
  /** The stored Message (with its raw source when it came over SMTP), for raw view, release and the queue. */
  message(id: number): Promise<StoredMessage | undefined>;
  /** Newest first; `total` counts every matching record, not the page (a `q` search counts within its cap). */
  list(f: LogFilter): Promise<{ logs: LogSummary[]; total: number }>;
  /** Kept incrementally: cheap at a million records. */
  stats(): Promise<Stats>;
  /** Announces a record changed outside `transition` (delivery events moved its delivery_status). */
  changed(id: number): Promise<void>;
}
