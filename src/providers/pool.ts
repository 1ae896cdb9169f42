// Provider instances for the config in force: built once per config entry, rebuilt when the entry changes.
import type { Provider, ProviderConfig, ProviderContext } from '../core/provider.js';
import { fail } from '../core/receipt.js';
import { secretPolicyProblem } from '../config/secret-policy.js';
import { createProvider } from './registry.js';

/**
 * A provider whose secrets may not go where its config points (a hand edit past the write checks): it fails
 * every send permanently and every verify, without a connection, so the secret never leaves the process.
 */
function refusing(config: ProviderConfig, problem: string): Provider {
  return {
    id: config.id,
    name: config.name,
    type: config.type,
    send: async () => fail({ code: 'secret_refused', class: 'permanent', message: problem }),
    verify: async () => ({ ok: false, checked: 'nothing (the config is refused before any connection)', error: problem }),
  };
}

export class ProviderPool {
  // Config objects are replaced (never mutated) on every change, so identity is the cache key.
  private readonly built = new WeakMap<ProviderConfig, Provider>();

  constructor(
    private readonly context: ProviderContext,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get(config: ProviderConfig): Provider {
    let p = this.built.get(config);
    if (!p) {
      const problem = secretPolicyProblem(config, this.env);
      p = problem ? refusing(config, problem) : createProvider(config, this.context);
      this.built.set(config, p);
    }
    return p;
  }
}
