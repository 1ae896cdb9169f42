// The shape of config.json (SPEC section 4).
import type { ProviderConfig } from '../core/provider.js';

export type RoutingMode = 'smart' | 'manual';

export interface RuleMatch {
  readonly to_domain?: string;
  readonly from_domain?: string;
  readonly tag?: Readonly<Record<string, string>>;
}

export interface RoutingRule {
  readonly match: RuleMatch;
  readonly providers: readonly string[];
}

export interface RoutingConfig {
  readonly mode: RoutingMode;
  readonly sandbox: boolean;
  readonly rules: readonly RoutingRule[];
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
