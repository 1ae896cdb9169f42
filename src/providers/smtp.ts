// SMTP providers (`custom_smtp`, `gmail`) over nodemailer. A message that arrived over SMTP is relayed
// byte for byte (its raw source and envelope); one from the HTTP API is composed by nodemailer.
import type { SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { formatAddress, recipients, type Message } from '../core/message.js';
import { toNodemailerAttachment } from '../core/rfc822.js';
import type { Provider, ProviderConfig, ProviderDefinition } from '../core/provider.js';
import { classifySmtpCode, fail, ok, type DeliveryFailure, type Receipt } from '../core/receipt.js';
import { DEFAULT_TIMEOUT_MS } from '../config/types.js';

export type SmtpOptions = SMTPTransport.Options;

/** nodemailer's error → a classed failure: auth is permanent, connection trouble transient, else by reply code. */
export function smtpFailure(err: unknown, timedOut: boolean): DeliveryFailure {
  if (timedOut) return { code: 'timeout', class: 'transient', message: 'timed out' };
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const message = (e.response ?? e.message ?? String(err)).slice(0, 1000);
  if (e.code === 'EAUTH') return { code: 'smtp_auth', class: 'permanent', statusCode: e.responseCode, message: `authentication failed: ${message}` };
  if (e.responseCode) {
    return { code: `smtp_${e.responseCode}`, class: classifySmtpCode(e.responseCode), statusCode: e.responseCode, message };
  }
  return { code: (e.code ?? 'connection').toLowerCase(), class: 'transient', message: `connection error: ${message}` };
}

export function toMailOptions(m: Message): SendMailOptions {
  if (m.raw && m.envelope) {
    return { envelope: { from: m.envelope.from, to: [...m.envelope.to] }, raw: m.raw };
  }
  return {
    from: formatAddress(m.from),
    to: m.to.map(formatAddress),
    cc: m.cc.map(formatAddress),
    bcc: m.bcc.map(formatAddress),
    replyTo: m.replyTo ? formatAddress(m.replyTo) : undefined,
    subject: m.subject,
    text: m.text,
    html: m.html,
    headers: { ...m.headers },
    attachments: m.attachments.map(toNodemailerAttachment),
    envelope: { from: m.from.address, to: recipients(m) },
  };
}

// nodemailer loads on first use, so start-up does not pay for it when no SMTP provider is configured.
const loadNodemailer = () => import('nodemailer').then((m) => m.default);

/** A Provider over one nodemailer transport; timeouts end the attempt and tear the transport's socket down. */
export function smtpProvider(config: ProviderConfig, options: SmtpOptions): Provider {
  const timeout = config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const transportOptions: SmtpOptions = { connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout, ...options };
  const describe = `${options.host}:${options.port}`;
  return {
    id: config.id,
    name: config.name,
    type: config.type,
    relaysRaw: true,
    async send(message: Message, { signal }): Promise<Receipt> {
      // A transport per send: abortable (close() drops the socket) and nothing shared to poison.
      const transport = (await loadNodemailer()).createTransport(transportOptions);
      const abort = () => transport.close();
      signal.addEventListener('abort', abort, { once: true });
      try {
        const info = await transport.sendMail(toMailOptions(message));
        return ok(info.messageId ?? null);
      } catch (err) {
        return fail(smtpFailure(err, signal.aborted));
      } finally {
        signal.removeEventListener('abort', abort);
        transport.close();
      }
    },
    async verify(signal) {
      const checked = `SMTP connect${options.auth ? ' + AUTH' : ''} to ${describe} (nothing is sent)`;
      const transport = (await loadNodemailer()).createTransport(transportOptions);
      signal.addEventListener('abort', () => transport.close(), { once: true });
      try {
        await transport.verify();
        return { ok: true, checked };
      } catch (err) {
        return { ok: false, checked, error: smtpFailure(err, signal.aborted).message };
      } finally {
        transport.close();
      }
    },
  };
}

export function customSmtpOptions(c: ProviderConfig): SmtpOptions {
  const ssl = c.smtp_use_ssl === true;
  const starttls = !ssl && c.smtp_use_tls !== false;
  return {
    host: c.smtp_host as string,
    port: c.smtp_port as number,
    secure: ssl,
    requireTLS: starttls,
    ignoreTLS: !ssl && !starttls,
    auth: c.smtp_username ? { user: c.smtp_username as string, pass: (c.smtp_password as string) ?? '' } : undefined,
  };
}

export const customSmtp: ProviderDefinition = {
  type: 'custom_smtp',
  label: 'SMTP server',
  fields: [
    { name: 'smtp_host', kind: 'string', required: true, label: 'Host' },
    { name: 'smtp_port', kind: 'integer', required: true, label: 'Port', default: 587 },
    { name: 'smtp_username', kind: 'string', label: 'Username' },
    { name: 'smtp_password', kind: 'string', secret: true, label: 'Password' },
    { name: 'smtp_use_tls', kind: 'boolean', default: true, label: 'STARTTLS', help: 'Upgrade the connection with STARTTLS (port 587).' },
    { name: 'smtp_use_ssl', kind: 'boolean', default: false, label: 'Implicit TLS', help: 'TLS from the first byte (port 465). Not with STARTTLS.' },
  ],
  create: (c) => smtpProvider(c, customSmtpOptions(c)),
};

/** Gmail: smtp.gmail.com:587, STARTTLS required, the address and an app password. */
export function gmailOptions(c: ProviderConfig): SmtpOptions {
  return {
    host: 'smtp.gmail.com',
    port: 587,
    secure: false,
    requireTLS: true,
    auth: { user: c.gmail_address as string, pass: c.gmail_app_password as string },
  };
}

export const gmail: ProviderDefinition = {
  type: 'gmail',
  label: 'Gmail',
  fields: [
    { name: 'gmail_address', kind: 'string', required: true, label: 'Gmail address' },
    {
      name: 'gmail_app_password',
      kind: 'string',
      required: true,
      secret: true,
      label: 'App password',
      help: 'Google Account → Security → 2-Step Verification on → App passwords: the 16-character password.',
    },
  ],
  create: (c) => smtpProvider(c, gmailOptions(c)),
};
