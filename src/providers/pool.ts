// Provider instances for the config in force: built once per config entry, rebuilt when the entry changes.
import type { Provider, ProviderConfig, ProviderContext } from '../core/provider.js';
import { createProvider } from './registry.js';

export class ProviderPool {
  // Config objects are replaced (never mutated) on every change, so identity is the cache key.
  private readonly built = new WeakMap<ProviderConfig, Provider>();

  constructor(private readonly context: ProviderContext) {}

  get(config: ProviderConfig): Provider {
    let p = this.built.get(config);
    if (!p) this.built.set(config, (p = createProvider(config, this.context)));
    return p;
  }
}
