// Secrets never leave the process: responses carry a mask, and a mask written back keeps the stored value.
import type { ProviderConfig } from '../core/provider.js';
import { definitionOf } from '../providers/registry.js';
import type { AppConfig, FieldError } from './types.js';

const ELLIPSIS = '…';

/**
 * `…a1b2`: at most the last 4 characters, enough to tell two keys apart, never enough to use one; a short
 * secret shows fewer (2 from 9 characters, none up to 8). `env:NAME` references are not secrets.
 */
export function maskSecret(value: string): string {
  if (value.startsWith('env:')) return value;
  const shown = value.length >= 16 ? 4 : value.length > 8 ? 2 : 0;
  return `${ELLIPSIS}${shown ? value.slice(-shown) : ''}`;
}

export function secretFields(type: string): string[] {
  return (definitionOf(type)?.fields ?? []).filter((f) => f.secret).map((f) => f.name);
}

export function maskProvider(p: ProviderConfig): ProviderConfig {
  const out: Record<string, unknown> = { ...p };
  for (const key of secretFields(p.type)) {
    if (typeof out[key] === 'string' && out[key]) out[key] = maskSecret(out[key] as string);
  }
  return out as ProviderConfig;
}

export function maskConfig(c: AppConfig): AppConfig {
  return { ...c, providers: c.providers.map(maskProvider) };
}

/**
 * Input from a client that saw only masks: an omitted secret, or one equal to the mask of the stored
 * value (or any string holding the mask's ellipsis), keeps the stored secret.
 */
export function keepStoredSecrets(incoming: Record<string, unknown>, stored: ProviderConfig | undefined): Record<string, unknown> {
  const out = { ...incoming };
  if (!stored || stored.type !== incoming.type) {
    // Nothing to keep (a new provider, or a type change): a mask is not a secret, so it must not be stored as
    // one; dropped, a required secret is reported missing instead.
    for (const key of typeof incoming.type === 'string' ? secretFields(incoming.type) : []) {
      if (typeof out[key] === 'string' && (out[key] as string).includes(ELLIPSIS)) delete out[key];
    }
    return out;
  }
  for (const key of secretFields(stored.type)) {
    const v = out[key];
    const storedValue = stored[key];
    if (typeof storedValue !== 'string') continue;
    if (v === undefined || v === null || v === '' || (typeof v === 'string' && (v === maskSecret(storedValue) || v.includes(ELLIPSIS)))) {
      out[key] = storedValue;
    }
  }
  return out;
}

/** Every secret value currently configured (resolved), so log lines and errors can be scrubbed of them. */
export function collectSecrets(c: AppConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const p of c.providers) {
    for (const key of secretFields(p.type)) {
      const v = p[key];
      if (typeof v !== 'string' || !v) continue;
      const real = v.startsWith('env:') ? env[v.slice(4)] : v;
      if (real && real.length >= 4) out.push(real);
    }
  }
  return out;
}

/** Replaces any configured secret found in a text (e.g. an error echoed back by an API). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/** The fields that decide where a provider's secrets are sent (SPEC 9.1). */
export const DESTINATION_FIELDS = ['type', 'base_url', 'smtp_host', 'smtp_port', 'smtp_use_tls', 'smtp_use_ssl', 'domain', 'region'] as const;

const destinationValue = (p: ProviderConfig, field: (typeof DESTINATION_FIELDS)[number]): unknown =>
  field === 'base_url' ? (p.base_url ?? definitionOf(p.type)?.defaultBaseUrl) : p[field];

/**
 * A write that moves a provider's secrets elsewhere must carry them: a secret the new entry took from the
 * stored one (omitted or masked in `sent`) while a destination field changed is an error naming that secret.
 * Otherwise the next send or verify would hand the stored key to whatever host the writer chose.
 */
export function rebindErrors(sent: Record<string, unknown>, next: ProviderConfig, stored: ProviderConfig | undefined, loc: (string | number)[]): FieldError[] {
  if (!stored) return [];
  const moved = DESTINATION_FIELDS.filter((f) => destinationValue(next, f) !== destinationValue(stored, f));
  if (!moved.length) return [];
  return secretFields(stored.type)
    .filter((k) => typeof stored[k] === 'string' && stored[k] !== '' && next[k] === stored[k] && sent[k] !== stored[k])
    .map((k) => ({
      loc: [...loc, k],
      msg: `${k} must be sent again (not masked or omitted): this write changes where it is sent (${moved.join(', ')})`,
      type: 'missing',
    }));
}

/** Provider error text as it may be stored or returned: scrubbed of every secret, then cut (SPEC section 9). */
export const ERROR_TEXT_MAX = 300;
export const cleanErrorText = (text: string, secrets: readonly string[]): string => scrub(text, secrets).slice(0, ERROR_TEXT_MAX);
