// The shape of config.json (SPEC section 4).
import type { ProviderConfig } from '../core/provider.js';

export type RoutingMode = 'smart' | 'manual';

/** After an uncertain failure: try the next provider, queue a retry of the same one, or fail (SPEC section 12). */
export type OnUncertain = 'failover' | 'retry' | 'fail';
export const ON_UNCERTAIN: readonly OnUncertain[] = ['failover', 'retry', 'fail'];

export interface RuleMatch {
  readonly to_domain?: string;
  readonly from_domain?: string;
  readonly tag?: Readonly<Record<string, string>>;
}

export interface RoutingRule {
  readonly match: RuleMatch;
  readonly providers: readonly string[];
  /** overrides routing.on_uncertain for the emails this rule matches */
  readonly on_uncertain?: OnUncertain;
}

export interface RoutingConfig {
  readonly mode: RoutingMode;
  readonly sandbox: boolean;
  readonly rules: readonly RoutingRule[];
  /** default failover */
  readonly on_uncertain?: OnUncertain;
}

export interface AppConfig {
  readonly providers: readonly ProviderConfig[];
  readonly routing: RoutingConfig;
  readonly version: number;
}

/** One validation problem, in the 422 `detail` shape: `loc` names the field. */
export interface FieldError {
  readonly loc: (string | number)[];
  readonly msg: string;
  readonly type: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
