// Brevo (ex-Sendinblue): POST {base_url}/v3/smtp/email, `api-key` header.
// Reference: https://developers.brevo.com/reference/sendtransacemail (getbrevo/brevo-node model/sendSmtpEmail.ts:
// sender, to/cc/bcc [{email,name}], replyTo, subject, textContent, htmlContent, headers, attachment [{content,name}], tags;
// 201 {messageId}); errors {code, message} (model/errorModel.ts); idempotency as body `headers.idempotencyKey`
// (https://developers.brevo.com/changelog/2021/11/10); rate-limit headers x-sib-ratelimit-* (https://developers.brevo.com/docs/limit-headers);
// verify: GET /v3/account (https://developers.brevo.com/reference/getaccount).
import type { Address, Message } from '../core/message.js';
import type { ProviderConfig, ProviderContext, ProviderDefinition } from '../core/provider.js';
import { joinUrl, sendViaApi, verifyViaApi, type ApiResponse } from '../core/http-api.js';
import { httpFailure } from '../core/receipt.js';

const person = (a: Address) => (a.name ? { email: a.address, name: a.name } : { email: a.address });

export function toBrevoPayload(m: Message, idempotencyKey?: string): Record<string, unknown> {
  const p: Record<string, unknown> = {
    sender: person(m.from),
    to: m.to.map(person),
    subject: m.subject,
  };
  if (m.cc.length) p.cc = m.cc.map(person);
  if (m.bcc.length) p.bcc = m.bcc.map(person);
  if (m.replyTo) p.replyTo = person(m.replyTo);
  if (m.text) p.textContent = m.text;
  if (m.html) p.htmlContent = m.html;
  const headers: Record<string, string> = { ...m.headers };
  if (idempotencyKey) headers.idempotencyKey = idempotencyKey;
  if (Object.keys(headers).length) p.headers = headers;
  // Brevo's attachment has no MIME type: it goes by the file name's extension.
  if (m.attachments.length) p.attachment = m.attachments.map((a) => ({ content: a.content, name: a.filename }));
  // `tags` is a list of strings: the `category` tag first, then the other tag values.
  const values = [m.tags.category, ...Object.entries(m.tags).filter(([k]) => k !== 'category').map(([, v]) => v)];
  const tags = [...new Set(values.filter((v): v is string => !!v))];
  if (tags.length) p.tags = tags;
  return p;
}

const errorText = (res: ApiResponse): string | undefined => {
  const j = res.json;
  if (!j?.message) return undefined;
  return j.code ? `${j.message} (${j.code})` : j.message;
};

export const brevo: ProviderDefinition = {
  type: 'brevo',
  label: 'Brevo',
  defaultBaseUrl: 'https://api.brevo.com',
  // No recipientLimit: PROVIDERS.md (Brevo) found no cap documented for a plain send (99 per messageVersion only).
  fields: [
    {
      name: 'api_key',
      kind: 'string',
      required: true,
      secret: true,
      label: 'API key',
      help: 'A v3 API key (starts with xkeysib-) from SMTP & API settings; not the SMTP key. The sender must be verified in Brevo.',
    },
  ],
  create(config: ProviderConfig, ctx: ProviderContext) {
    const base = (config.base_url as string | undefined) ?? brevo.defaultBaseUrl!;
    const auth = { 'api-key': config.api_key as string };
    return {
      id: config.id,
      name: config.name,
      type: config.type,
      send(message, { signal, idempotencyKey }) {
        return sendViaApi(
          ctx,
          { url: joinUrl(base, '/v3/smtp/email'), headers: auth, body: toBrevoPayload(message, idempotencyKey), signal },
          (res) => res.json?.messageId ?? res.json?.messageIds?.[0] ?? null,
          errorText,
          // Brevo sends no Retry-After on 429; x-sib-ratelimit-reset holds the seconds until the window resets.
          (res) =>
            res.status === 429
              ? httpFailure(429, errorText(res) ?? 'rate limited', res.headers.get('retry-after') ?? res.headers.get('x-sib-ratelimit-reset'))
              : undefined,
        );
      },
      // GET /v3/account reads the account's plan and details: authenticated, sends nothing.
      verify(signal) {
        return verifyViaApi(ctx, { url: joinUrl(base, '/v3/account'), headers: auth, signal }, errorText);
      },
    };
  },
};
