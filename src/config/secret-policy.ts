// Secrets are bound to where they go (SPEC 9.1): which environment variables an `env:NAME` secret may read,
// and which destinations may receive a secret at all. Checked on every config write (a 422) and again
// when a provider is built from the config in force (a hand-edited config.json): one rule, two places.
import { isIP } from 'node:net';
import type { ProviderConfig } from '../core/provider.js';
import { definitionOf } from '../providers/registry.js';
import type { FieldError } from './types.js';

/** What seeds providers (SPEC section 1), plus a prefix users can give their own secrets. */
export const DEFAULT_SECRET_ENV_ALLOW = [
  'RESEND_API_KEY',
  'MAILTRAP_API_KEY',
  'GMAIL_ADDRESS',
  'GMAIL_APP_PASSWORD',
  'SMTP_HOST',
  'SMTP_PORT',
  'SMTP_USERNAME',
  'SMTP_PASSWORD',
  'SMTP_USE_TLS',
  'SMTP_USE_SSL',
  'PROTOPOST_SECRET_*',
];

// The gateway's own credentials are never a provider secret, whatever the allowlist says (`*` included):
// a provider whose base_url a client controls would otherwise carry them off.
const NEVER = new Set(['AUTH_TOKEN', 'DATABASE_URL', 'SECRET_ENV_ALLOW']);
const MAX_NAME = 128;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function allowList(env: NodeJS.ProcessEnv): string[] {
  const raw = env.SECRET_ENV_ALLOW;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SECRET_ENV_ALLOW;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Whether `env:NAME` may be read: NAME on the allowlist (exact, or `PREFIX_*`). */
export function envNameAllowed(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (name.length === 0 || name.length > MAX_NAME || !ENV_NAME.test(name) || NEVER.has(name)) return false;
  return allowList(env).some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

const isLoopbackHost = (host: string): boolean => {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
};

/** Where a provider's secrets would go in clear, or null when the transport is encrypted or loopback. */
export function clearTextDestination(p: ProviderConfig): { field: string; where: string } | null {
  const def = definitionOf(p.type);
  if (!def) return null;
  if (def.defaultBaseUrl) {
    const url = typeof p.base_url === 'string' ? p.base_url : def.defaultBaseUrl;
    if (/^https:\/\//i.test(url)) return null;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { field: 'base_url', where: 'an unparsable URL' };
    }
    if (parsed.protocol === 'https:' || isLoopbackHost(parsed.hostname)) return null;
    return { field: 'base_url', where: `${parsed.protocol}//${parsed.host}` };
  }
  if (p.type !== 'custom_smtp') return null; // gmail: STARTTLS to smtp.gmail.com, always required
  const tls = p.smtp_use_ssl === true || p.smtp_use_tls !== false;
  if (tls || isLoopbackHost(String(p.smtp_host ?? ''))) return null;
  return { field: 'smtp_use_tls', where: `${String(p.smtp_host)}:${String(p.smtp_port)} without TLS` };
}

const configuredSecrets = (p: ProviderConfig): string[] =>
  (definitionOf(p.type)?.fields ?? []).filter((f) => f.secret && typeof p[f.name] === 'string' && p[f.name] !== '').map((f) => f.name);

/** Every breach of the binding rules in one provider entry, located under `loc`. */
export function secretPolicyErrors(p: ProviderConfig, loc: (string | number)[], env: NodeJS.ProcessEnv = process.env): FieldError[] {
  const errors: FieldError[] = [];
  const secrets = configuredSecrets(p);
  for (const field of secrets) {
    const v = p[field] as string;
    if (v.startsWith('env:') && !envNameAllowed(v.slice(4), env)) {
      errors.push({
        loc: [...loc, field],
        msg: `env:${v.slice(4, 4 + MAX_NAME)} is not on the allowlist of environment variables a secret may read (SECRET_ENV_ALLOW; default: the provider variables and PROTOPOST_SECRET_*)`,
        type: 'value_error',
      });
    }
  }
  const clear = secrets.length && p.allow_insecure !== true ? clearTextDestination(p) : null;
  if (clear) {
    errors.push({
      loc: [...loc, clear.field],
      msg: `${secrets.join(', ')} would be sent in clear to ${clear.where}: use TLS (https, STARTTLS or implicit TLS), a loopback host, or set "allow_insecure": true`,
      type: 'value_error',
    });
  }
  return errors;
}

/** The same rules at send/verify time, for a config that was never written through the API. */
export function secretPolicyProblem(p: ProviderConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  const errors = secretPolicyErrors(p, [], env);
  return errors.length ? `refused before sending: ${errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ')}` : null;
}
