// Circuit breaker per provider: N consecutive failures open it for a cooldown, then one trial send decides.
import type { ProviderConfig } from '../core/provider.js';
import type { Receipt } from '../core/receipt.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface ProviderHealth {
  id: string;
  name: string;
  type: string;
  state: CircuitState;
  consecutive_failures: number;
  last_error: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
}

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  /** when the half-open trial was handed out; another is handed out only after the lease */
  trialAt: number;
  lastError: string | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
}

export interface BreakerOptions {
  readonly threshold: number;
  readonly cooldownMs: number;
  /** removes configured secrets from error text before it is kept */
  readonly scrub: (text: string) => string;
  readonly now?: () => number;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;

  constructor(private readonly o: BreakerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** May routing try this provider now? An open circuit past its cooldown hands out one trial. */
  available(id: string): boolean {
    const c = this.circuits.get(id);
    if (!c || c.state === 'closed') return true;
    const now = this.now();
    if (c.state === 'open' && now - c.openedAt >= this.o.cooldownMs) c.state = 'half_open';
    if (c.state === 'half_open' && now - c.trialAt >= Math.max(this.o.cooldownMs, 1000)) {
      c.trialAt = now;
      return true;
    }
    return false;
  }

  /** Every attempt's outcome moves the circuit. */
  onAttempt(provider: ProviderConfig, receipt: Receipt): void {
    const c = this.circuit(provider.id);
    const now = this.now();
    if (receipt.successful) {
      c.state = 'closed';
      c.failures = 0;
      c.lastSuccessAt = now;
      return;
    }
    c.failures++;
    c.lastFailureAt = now;
    c.lastError = this.o.scrub(receipt.error.message);
    if (c.state === 'half_open' || c.failures >= this.o.threshold) {
      c.state = 'open';
      c.openedAt = now;
      c.trialAt = 0;
    }
  }

  state(id: string): CircuitState {
    const c = this.circuits.get(id);
    if (c?.state === 'open' && this.now() - c.openedAt >= this.o.cooldownMs) return 'half_open';
    return c?.state ?? 'closed';
  }

  health(providers: readonly ProviderConfig[]): ProviderHealth[] {
    return providers.map((p) => {
      const c = this.circuits.get(p.id);
      return {
        id: p.id,
        name: p.name,
        type: p.type,
        state: this.state(p.id),
        consecutive_failures: c?.failures ?? 0,
        last_error: c?.lastError ?? null,
        last_success_at: iso(c?.lastSuccessAt ?? null),
        last_failure_at: iso(c?.lastFailureAt ?? null),
      };
    });
  }

  private circuit(id: string): Circuit {
    let c = this.circuits.get(id);
    if (!c) {
      c = { state: 'closed', failures: 0, openedAt: 0, trialAt: 0, lastError: null, lastSuccessAt: null, lastFailureAt: null };
      this.circuits.set(id, c);
    }
    return c;
  }
}
