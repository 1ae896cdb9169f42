// SendGrid v3: POST {base_url}/v3/mail/send, Authorization: Bearer.
// Reference: https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
// (twilio/sendgrid-oai spec/yaml/tsg_mail_v3.yaml: 202 with an empty body, the id in the X-Message-Id header);
// errors: {errors:[{message, field, help}]} (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors);
// verify: GET /v3/scopes (spec/yaml/tsg_scopes_v3.yaml).
import type { Address, Message } from '../core/message.js';
import type { ProviderConfig, ProviderContext, ProviderDefinition } from '../core/provider.js';
import { callApi, joinUrl, sendViaApi, type ApiResponse } from '../core/http-api.js';
import { errorToFailure } from '../core/receipt.js';
import { inlinePart } from './inline-part.js';

const MAX_CATEGORIES = 10;

const person = (a: Address) => (a.name ? { email: a.address, name: a.name } : { email: a.address });

/** Tag values as categories, the `category` tag first; SendGrid wants them unique, ≤10, ≤255 chars. */
function categories(tags: Readonly<Record<string, string>>): string[] {
  const ordered = [tags.category, ...Object.entries(tags).filter(([k]) => k !== 'category').map(([, v]) => v)];
  const out = [...new Set(ordered.filter((v): v is string => !!v).map((v) => v.slice(0, 255)))];
  return out.slice(0, MAX_CATEGORIES);
}

export function toSendgridPayload(m: Message): Record<string, unknown> {
  // SendGrid answers 400 when one address appears twice among to/cc/bcc of a personalization; keep the first.
  const seen = new Set<string>();
  const unique = (list: readonly Address[]) =>
    list.filter((a) => {
      const key = a.address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const personalization: Record<string, unknown> = { to: unique(m.to).map(person) };
  const cc = unique(m.cc);
  const bcc = unique(m.bcc);
  if (cc.length) personalization.cc = cc.map(person);
  if (bcc.length) personalization.bcc = bcc.map(person);

  const content: { type: string; value: string }[] = [];
  // text/plain must come before text/html.
  if (m.text) content.push({ type: 'text/plain', value: m.text });
  if (m.html) content.push({ type: 'text/html', value: m.html });

  const p: Record<string, unknown> = {
    personalizations: [personalization],
    from: person(m.from),
    subject: m.subject,
    content,
  };
  if (m.replyTo) p.reply_to = person(m.replyTo);
  if (Object.keys(m.headers).length) p.headers = { ...m.headers };
  if (m.attachments.length) {
    p.attachments = m.attachments.map((a) => ({ content: a.content, filename: a.filename, type: a.contentType, ...inlinePart(a) }));
  }
  const cats = categories(m.tags);
  if (cats.length) p.categories = cats;
  // custom_args carries every tag back in event webhooks (the spec types it as a string; the API takes an object).
  if (Object.keys(m.tags).length) p.custom_args = { ...m.tags };
  return p;
}

const errorText = (res: ApiResponse): string | undefined => {
  const errors = res.json?.errors;
  if (!Array.isArray(errors) || !errors.length) return undefined;
  return errors
    .map((e: { message?: string; field?: string | null }) => (e.field && e.field !== 'null' ? `${e.field}: ${e.message}` : e.message))
    .filter(Boolean)
    .join('; ');
};

export const sendgrid: ProviderDefinition = {
  type: 'sendgrid',
  label: 'SendGrid',
  defaultBaseUrl: 'https://api.sendgrid.com',
  // PROVIDERS.md (SendGrid): ≤1000 total to+cc+bcc per request.
  recipientLimit: { max: 1000, per: 'message' },
  fields: [
    {
      name: 'api_key',
      kind: 'string',
      required: true,
      secret: true,
      label: 'API key',
      help: 'Starts with SG. and needs the Mail Send permission. EU regional subusers set base_url to https://api.eu.sendgrid.com.',
    },
  ],
  create(config: ProviderConfig, ctx: ProviderContext) {
    const base = (config.base_url as string | undefined) ?? sendgrid.defaultBaseUrl!;
    const auth = { authorization: `Bearer ${config.api_key as string}` };
    return {
      id: config.id,
      name: config.name,
      type: config.type,
      // SendGrid has no idempotency key, so SendOptions.idempotencyKey is not sent.
      send(message, { signal }) {
        return sendViaApi(
          ctx,
          { url: joinUrl(base, '/v3/mail/send'), headers: auth, body: toSendgridPayload(message), signal },
          (res) => res.headers.get('x-message-id'),
          errorText,
        );
      },
      // GET /v3/scopes lists the key's own permissions: authenticated, sends nothing. A key can be valid
      // and still unable to send, so a 200 whose scopes lack `mail.send` fails too.
      async verify(signal) {
        const url = joinUrl(base, '/v3/scopes');
        const checked = `GET ${url} with the configured credentials, expecting the mail.send scope`;
        try {
          const res = await callApi(ctx, { url, method: 'GET', headers: auth, signal });
          if (res.status < 200 || res.status >= 300) {
            return { ok: false, checked, error: `HTTP ${res.status}: ${errorText(res) ?? 'request refused'}` };
          }
          const scopes: unknown = res.json?.scopes;
          if (Array.isArray(scopes) && !scopes.includes('mail.send')) {
            return { ok: false, checked, error: 'the API key is valid but lacks the mail.send permission' };
          }
          return { ok: true, checked };
        } catch (err) {
          return { ok: false, checked, error: errorToFailure(err, signal.aborted).message };
        }
      },
    };
  },
};
