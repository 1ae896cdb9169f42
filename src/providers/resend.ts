// Resend: POST {base_url}/emails, Authorization: Bearer.
// Reference: https://resend.com/docs/api-reference/emails/send-email (resend/resend-openapi resend.yaml);
// errors: {statusCode, name, message} (https://resend.com/docs/api-reference/errors).
import { formatAddress, type Message } from '../core/message.js';
import type { ProviderConfig, ProviderContext, ProviderDefinition } from '../core/provider.js';
import { joinUrl, sendViaApi, verifyViaApi } from '../core/http-api.js';

/** Resend tag names/values allow only ASCII letters, digits, `_` and `-`. */
const tagSafe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);

export function toResendPayload(m: Message): Record<string, unknown> {
  const p: Record<string, unknown> = {
    from: formatAddress(m.from),
    to: m.to.map(formatAddress),
    subject: m.subject,
  };
  if (m.cc.length) p.cc = m.cc.map(formatAddress);
  if (m.bcc.length) p.bcc = m.bcc.map(formatAddress);
  if (m.replyTo) p.reply_to = formatAddress(m.replyTo);
  if (m.text) p.text = m.text;
  if (m.html) p.html = m.html;
  if (Object.keys(m.headers).length) p.headers = { ...m.headers };
  if (m.attachments.length) {
    p.attachments = m.attachments.map((a) => ({ filename: a.filename, content: a.content, content_type: a.contentType, ...(a.contentId ? { content_id: a.contentId } : {}) }));
  }
  const tags = Object.entries(m.tags);
  if (tags.length) p.tags = tags.map(([name, value]) => ({ name: tagSafe(name), value: tagSafe(value) }));
  return p;
}

export const resend: ProviderDefinition = {
  type: 'resend',
  label: 'Resend',
  defaultBaseUrl: 'https://api.resend.com',
  // PROVIDERS.md (Resend): `to` is string or string[] (≤50); cc and bcc get the same cap, to be safe.
  recipientLimit: { max: 50, per: 'field' },
  fields: [{ name: 'api_key', kind: 'string', required: true, secret: true, label: 'API key', help: 'Starts with re_. Create one at resend.com/api-keys; the From domain must be verified in Resend.' }],
  create(config: ProviderConfig, ctx: ProviderContext) {
    const base = (config.base_url as string | undefined) ?? resend.defaultBaseUrl!;
    const auth = { authorization: `Bearer ${config.api_key as string}` };
    return {
      id: config.id,
      name: config.name,
      type: config.type,
      send(message, { signal, idempotencyKey }) {
        const headers: Record<string, string> = { ...auth };
        if (idempotencyKey) headers['idempotency-key'] = idempotencyKey.slice(0, 256);
        return sendViaApi(
          ctx,
          { url: joinUrl(base, '/emails'), headers, body: toResendPayload(message), signal },
          (res) => res.json?.id ?? null,
          (res) => res.json?.message,
        );
      },
      // GET /domains lists the account's domains: authenticated, sends nothing.
      verify(signal) {
        return verifyViaApi(ctx, { url: joinUrl(base, '/domains'), headers: auth, signal }, (res) => res.json?.message);
      },
    };
  },
};
