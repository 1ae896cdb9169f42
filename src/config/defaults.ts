// The config written on first start (never over an existing file): no providers and sandbox on, or those
// pre-seeded from the environment.
// Secrets are stored as `env:NAME` references, so config.json itself holds none.
import type { ProviderConfig } from '../core/provider.js';
import type { AppConfig } from './types.js';

const truthy = (v: string | undefined) => !!v && /^(1|true|yes|on)$/i.test(v);

export function defaultConfig(env: NodeJS.ProcessEnv): AppConfig {
  const providers: ProviderConfig[] = [];
  const add = (p: Omit<ProviderConfig, 'enabled' | 'weight'>) => providers.push({ enabled: true, weight: 100, ...p } as ProviderConfig);
  if (env.RESEND_API_KEY) add({ id: 'resend', name: 'Resend', type: 'resend', api_key: 'env:RESEND_API_KEY' });
  if (env.MAILTRAP_API_KEY) add({ id: 'mailtrap', name: 'Mailtrap', type: 'mailtrap', api_key: 'env:MAILTRAP_API_KEY' });
  if (env.GMAIL_ADDRESS && env.GMAIL_APP_PASSWORD) {
    add({ id: 'gmail', name: 'Gmail', type: 'gmail', gmail_address: env.GMAIL_ADDRESS, gmail_app_password: 'env:GMAIL_APP_PASSWORD' });
  }
  if (env.SMTP_HOST) {
    const ssl = truthy(env.SMTP_USE_SSL);
    add({
      id: 'smtp',
      name: 'SMTP',
      type: 'custom_smtp',
      smtp_host: env.SMTP_HOST,
      smtp_port: Number(env.SMTP_PORT) || (ssl ? 465 : 587),
      ...(env.SMTP_USERNAME ? { smtp_username: env.SMTP_USERNAME } : {}),
      ...(env.SMTP_PASSWORD ? { smtp_password: 'env:SMTP_PASSWORD' } : {}),
      smtp_use_ssl: ssl,
      smtp_use_tls: ssl ? false : env.SMTP_USE_TLS === undefined ? true : truthy(env.SMTP_USE_TLS),
    });
  }
  // Nothing to deliver with yet: capture the first sends (shown on the dashboard) rather than answer 503.
  return { providers, routing: { mode: 'smart', sandbox: providers.length === 0, rules: [] }, version: 1 };
}
