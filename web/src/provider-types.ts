// The provider type catalogue (GET /api/provider-types), fetched once per page load.
import { get } from './api';
import type { ProviderType } from './types';

let cached: Promise<readonly ProviderType[]> | null = null;

export function providerTypes(): Promise<readonly ProviderType[]> {
  cached ??= get<{ types: ProviderType[] }>('/api/provider-types').then(
    (r) => r.types,
    (err) => {
      cached = null;
      throw err;
    },
  );
  return cached;
}

export function typeLabel(types: readonly ProviderType[], type: string): string {
  return types.find((t) => t.type === type)?.label ?? type;
}

/** Types that have a step-by-step setup in provider-guide.ts. */
export const GUIDED_TYPES: readonly string[] = ['gmail', 'resend'];
