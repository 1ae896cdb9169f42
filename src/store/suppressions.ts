// The one suppression list across providers: addresses that hard-bounced, complained or were added by
// hand. Addresses compare case-insensitively. Backend-neutral interface; SQLite in sqlite/,
// PostgreSQL (shared by every instance) in postgres/.

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'manual';
export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['hard_bounce', 'complaint', 'manual'];

export interface Suppression {
  readonly email: string;
  readonly reason: SuppressionReason;
  readonly provider_id: string | null;
  readonly log_id: number | null;
  readonly created_at: string;
}

export interface SuppressionFilter {
  readonly limit: number;
  readonly offset: number;
  /** substring of the address */
  readonly q?: string;
}

export interface Suppressions {
  /** Adds the address; true when it was new (an existing entry keeps its first reason). */
  add(entry: Omit<Suppression, 'created_at'>): Promise<boolean>;
  get(email: string): Promise<Suppression | undefined>;
  remove(email: string): Promise<boolean>;
  list(f: SuppressionFilter): Promise<{ suppressions: Suppression[]; total: number }>;
  /** Which of these addresses are suppressed, as given (the comparison ignores case). */
  suppressedAmong(addresses: readonly string[]): Promise<Set<string>>;
}

/** The comparable form of an address: case-insensitive across the whole address. */
export const suppressionKey = (email: string) => email.trim().toLowerCase();
