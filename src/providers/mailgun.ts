// Mailgun: POST {base_url}/v3/{domain}/messages, multipart/form-data, HTTP Basic `api:KEY`.
// Reference: https://documentation.mailgun.com/docs/mailgun/api-reference/openapi-final/tag/Messages/
// (from/to/cc/bcc/subject/text/html, repeated `attachment` files, `o:tag` ≤3, `h:` headers, `v:` variables;
// 200 {"id":"<…>","message":"Queued. Thank you."}), https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-attachments,
// errors {"message"} with 400/401|403/404/413/429/5xx (https://documentation.mailgun.com/docs/mailgun/quickstart-guide/responses);
// verify: GET /v4/domains/{name} (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/domains/get-v4-domains--name-).
import { formatAddress, type Message } from '../core/message.js';
import type { ProviderConfig, ProviderContext, ProviderDefinition } from '../core/provider.js';
import { joinUrl, sendViaApi, verifyViaApi, type ApiResponse } from '../core/http-api.js';

const MAX_TAGS = 3;

/** Tag values as `o:tag`, the `category` tag first; Mailgun takes ≤3 per message. */
function tagValues(tags: Readonly<Record<string, string>>): string[] {
  const ordered = [tags.category, ...Object.entries(tags).filter(([k]) => k !== 'category').map(([, v]) => v)];
  return [...new Set(ordered.filter((v): v is string => !!v))].slice(0, MAX_TAGS);
}

export function toMailgunPayload(m: Message): FormData {
  const form = new FormData();
  form.append('from', formatAddress(m.from));
  // Repeated fields rather than one comma-joined value: a display name may itself hold a comma.
  for (const a of m.to) form.append('to', formatAddress(a));
  for (const a of m.cc) form.append('cc', formatAddress(a));
  for (const a of m.bcc) form.append('bcc', formatAddress(a));
  form.append('subject', m.subject);
  if (m.text) form.append('text', m.text);
  if (m.html) form.append('html', m.html);
  if (m.replyTo) form.append('h:Reply-To', formatAddress(m.replyTo));
  for (const [name, value] of Object.entries(m.headers)) form.append(`h:${name}`, value);
  for (const a of m.attachments) {
    // Mailgun takes an inline part's file name as its Content-ID: `cid:<name>` in the HTML must resolve.
    const name = a.contentId ?? a.filename;
    form.append(a.contentId ? 'inline' : 'attachment', new Blob([Buffer.from(a.content, 'base64')], { type: a.contentType }), name);
  }
  for (const t of tagValues(m.tags)) form.append('o:tag', t);
  // Every tag also rides along as a user variable, returned in events and webhooks.
  for (const [name, value] of Object.entries(m.tags)) form.append(`v:${name}`, value);
  return form;
}

const errorText = (res: ApiResponse): string | undefined => res.json?.message;

export const mailgun: ProviderDefinition = {
  type: 'mailgun',
  label: 'Mailgun',
  defaultBaseUrl: 'https://api.mailgun.net',
  // PROVIDERS.md (Mailgun): ≤1000 recipients ("Too many recipients, max is 1000").
  recipientLimit: { max: 1000, per: 'message' },
  fields: [
    {
      name: 'api_key',
      kind: 'string',
      required: true,
      secret: true,
      label: 'API key',
      help: 'A Mailgun API key. A domain sending key can send but cannot pass the domain check used by "verify".',
    },
    {
      name: 'domain',
      kind: 'string',
      required: true,
      label: 'Sending domain',
      help: 'The domain as added in Mailgun, e.g. mg.example.com. Domains in the EU region need base_url https://api.eu.mailgun.net.',
    },
  ],
  create(config: ProviderConfig, ctx: ProviderContext) {
    const base = (config.base_url as string | undefined) ?? mailgun.defaultBaseUrl!;
    const domain = encodeURIComponent(String(config.domain ?? ''));
    const auth = { authorization: `Basic ${Buffer.from(`api:${config.api_key as string}`).toString('base64')}` };
    return {
      id: config.id,
      name: config.name,
      type: config.type,
      // Mailgun has no idempotency key, so SendOptions.idempotencyKey is not sent.
      send(message, { signal }) {
        return sendViaApi(
          ctx,
          { url: joinUrl(base, `/v3/${domain}/messages`), headers: auth, body: toMailgunPayload(message), signal },
          (res) => res.json?.id ?? null,
          errorText,
        );
      },
      // GET /v4/domains/{name} reads the sending domain: checks the key and that the domain exists in this region.
      verify(signal) {
        return verifyViaApi(ctx, { url: joinUrl(base, `/v4/domains/${domain}`), headers: auth, signal }, errorText);
      },
    };
  },
};
