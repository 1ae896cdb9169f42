// Mailtrap Email Sending: POST {base_url}/api/send with the `Api-Token` header.
// Reference: https://api-docs.mailtrap.io/docs/mailtrap-api-docs/ (mailtrap/mailtrap-openapi
// specs/email-sending-transactional.openapi.yml): success {success:true, message_ids:[…]}, errors {success:false, errors:[…]}.
import type { Address, Message } from '../core/message.js';
import type { ProviderConfig, ProviderContext, ProviderDefinition } from '../core/provider.js';
import { joinUrl, sendViaApi, verifyViaApi, type ApiResponse } from '../core/http-api.js';
import { inlinePart } from './inline-part.js';

const party = (a: Address) => (a.name ? { email: a.address, name: a.name } : { email: a.address });

/** Mailtrap has one `category`: the tag named `category`, else the first tag. All tags go in custom_variables. */
export function singleTag(tags: Readonly<Record<string, string>>): string | undefined {
  return tags.category ?? Object.values(tags)[0];
}

export function toMailtrapPayload(m: Message): Record<string, unknown> {
  const p: Record<string, unknown> = { from: party(m.from), to: m.to.map(party), subject: m.subject };
  if (m.cc.length) p.cc = m.cc.map(party);
  if (m.bcc.length) p.bcc = m.bcc.map(party);
  if (m.replyTo) p.reply_to = party(m.replyTo);
  if (m.text) p.text = m.text;
  if (m.html) p.html = m.html;
  if (Object.keys(m.headers).length) p.headers = { ...m.headers };
  if (m.attachments.length) {
    p.attachments = m.attachments.map((a) => ({ content: a.content, filename: a.filename, type: a.contentType, ...inlinePart(a) }));
  }
  const category = singleTag(m.tags);
  if (category) {
    p.category = category;
    p.custom_variables = { ...m.tags };
  }
  return p;
}

const errorText = (res: ApiResponse): string | undefined => {
  const errors = res.json?.errors;
  if (Array.isArray(errors)) return errors.join('; ');
  if (errors && typeof errors === 'object') return JSON.stringify(errors);
  return res.json?.error ?? res.json?.message;
};

export const mailtrap: ProviderDefinition = {
  type: 'mailtrap',
  label: 'Mailtrap',
  defaultBaseUrl: 'https://send.api.mailtrap.io',
  // PROVIDERS.md (Mailtrap): `to`, `cc`, `bcc` ≤1000 each.
  recipientLimit: { max: 1000, per: 'field' },
  fields: [{ name: 'api_key', kind: 'string', required: true, secret: true, label: 'API token', help: 'Sending Domains → your domain → Integration → API token.' }],
  create(config: ProviderConfig, ctx: ProviderContext) {
    const base = (config.base_url as string | undefined) ?? mailtrap.defaultBaseUrl!;
    const headers = { 'api-token': config.api_key as string };
    return {
      id: config.id,
      name: config.name,
      type: config.type,
      send(message, { signal }) {
        return sendViaApi(
          ctx,
          { url: joinUrl(base, '/api/send'), headers, body: toMailtrapPayload(message), signal },
          (res) => res.json?.message_ids?.[0] ?? null,
          errorText,
        );
      },
      // The sending API has no read endpoint; an empty send is refused with 400 after authentication,
      // and with 401 before it, so the status tells whether the token is good without sending mail.
      async verify(signal) {
        const r = await verifyViaApi(ctx, { url: joinUrl(base, '/api/send'), method: 'POST', headers, body: {}, signal }, errorText);
        const checked = `POST ${joinUrl(base, '/api/send')} with an empty message (nothing is sent): a 400 means the token was accepted`;
        if (r.ok || /^HTTP (400|422)/.test(r.error ?? '')) return { ok: true, checked };
        return { ...r, checked };
      },
    };
  },
};
