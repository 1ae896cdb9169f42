// Maps a config `type` to its definition. Adding a provider = one file + one line here.
import type { ProviderConfig, ProviderContext, ProviderDefinition, Provider } from '../core/provider.js';
import { resend } from './resend.js';
import { mailtrap } from './mailtrap.js';
import { customSmtp, gmail } from './smtp.js';
import { sendgrid } from './sendgrid.js';
import { postmark } from './postmark.js';
import { mailgun } from './mailgun.js';
import { ses } from './ses.js';
import { brevo } from './brevo.js';

export const providerDefinitions: readonly ProviderDefinition[] = [resend, mailtrap, gmail, customSmtp, sendgrid, postmark, mailgun, ses, brevo];

const byType = new Map(providerDefinitions.map((d) => [d.type, d]));

export function definitionOf(type: string): ProviderDefinition | undefined {
  return byType.get(type);
}

/** `env:NAME` secrets are read from the environment here, so config.json need hold no secret. */
export function resolveSecrets(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const def = byType.get(config.type);
  if (!def) return config;
  const out: Record<string, unknown> = { ...config };
  for (const f of def.fields) {
    const v = out[f.name];
    if (f.secret && typeof v === 'string' && v.startsWith('env:')) out[f.name] = env[v.slice(4)] ?? '';
  }
  return out as ProviderConfig;
}

export function createProvider(config: ProviderConfig, context: ProviderContext): Provider {
  const def = byType.get(config.type);
  if (!def) throw new Error(`unknown provider type: ${config.type}`);
  const provider = def.create(resolveSecrets(config), context);
  return def.recipientLimit ? { ...provider, recipientLimit: def.recipientLimit } : provider;
}
