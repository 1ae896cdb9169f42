// Postmark: POST {base_url}/email, X-Postmark-Server-Token.
// Reference: https://postmarkapp.com/developer/api/email-api (send a single email; 200 {To, SubmittedAt, MessageID, ErrorCode, Message})
// and https://postmarkapp.com/developer/api/overview (errors: {ErrorCode, Message}; 401 bad token, 422 API error, 429, 500, 503);
// field types from ActiveCampaign/postmark.js src/client/models/message/Message.ts; verify: GET /server
// (https://postmarkapp.com/developer/api/server-api, server-token scoped).
import { formatAddress, type Message } from '../core/message.js';
import type { ProviderConfig, ProviderContext, ProviderDefinition } from '../core/provider.js';
import { joinUrl, sendViaApi, verifyViaApi, type ApiResponse } from '../core/http-api.js';

const list = (addrs: Message['to']) => addrs.map(formatAddress).join(', ');

/** Postmark has one `Tag` (≤1000 chars): the tag named `category`, else the first; every tag also goes into `Metadata`. */
export function toPostmarkPayload(m: Message, messageStream?: string): Record<string, unknown> {
  const p: Record<string, unknown> = {
    From: formatAddress(m.from),
    To: list(m.to),
    Subject: m.subject,
  };
  if (m.cc.length) p.Cc = list(m.cc);
  if (m.bcc.length) p.Bcc = list(m.bcc);
  if (m.replyTo) p.ReplyTo = formatAddress(m.replyTo);
  if (m.text) p.TextBody = m.text;
  if (m.html) p.HtmlBody = m.html;
  const headers = Object.entries(m.headers);
  if (headers.length) p.Headers = headers.map(([Name, Value]) => ({ Name, Value }));
  if (m.attachments.length) {
    p.Attachments = m.attachments.map((a) => ({ Name: a.filename, Content: a.content, ContentType: a.contentType, ...(a.contentId ? { ContentID: `cid:${a.contentId}` } : {}) }));
  }
  const tags = Object.entries(m.tags);
  if (tags.length) {
    p.Tag = (m.tags.category ?? tags[0][1]).slice(0, 1000);
    p.Metadata = { ...m.tags };
  }
  if (messageStream) p.MessageStream = messageStream;
  return p;
}

const errorText = (res: ApiResponse): string | undefined => {
  const j = res.json;
  if (!j?.Message) return undefined;
  return j.ErrorCode !== undefined ? `${j.Message} (ErrorCode ${j.ErrorCode})` : j.Message;
};

export const postmark: ProviderDefinition = {
  type: 'postmark',
  label: 'Postmark',
  defaultBaseUrl: 'https://api.postmarkapp.com',
  // PROVIDERS.md (Postmark): To, Cc, Bcc "Max 50" each; whether the 50 is combined is unverified there,
  // so the combined (stricter) reading: a false refusal costs a failover, never a lost email.
  recipientLimit: { max: 50, per: 'message' },
  fields: [
    {
      name: 'api_key',
      kind: 'string',
      required: true,
      secret: true,
      label: 'Server API token',
      help: 'The server token from the API Tokens tab of a Postmark server (not the account token). POSTMARK_API_TEST validates without delivering.',
    },
    {
      name: 'message_stream',
      kind: 'string',
      label: 'Message stream',
      help: 'Stream ID to send through; Postmark uses "outbound" (transactional) when empty.',
    },
  ],
  create(config: ProviderConfig, ctx: ProviderContext) {
    const base = (config.base_url as string | undefined) ?? postmark.defaultBaseUrl!;
    const auth = { 'x-postmark-server-token': config.api_key as string };
    const stream = typeof config.message_stream === 'string' && config.message_stream ? config.message_stream : undefined;
    return {
      id: config.id,
      name: config.name,
      type: config.type,
      // Postmark has no idempotency key, so SendOptions.idempotencyKey is not sent.
      send(message, { signal }) {
        return sendViaApi(
          ctx,
          { url: joinUrl(base, '/email'), headers: auth, body: toPostmarkPayload(message, stream), signal },
          (res) => res.json?.MessageID ?? null,
          errorText,
        );
      },
      // GET /server reads the token's own server settings: authenticated, sends nothing.
      verify(signal) {
        return verifyViaApi(ctx, { url: joinUrl(base, '/server'), headers: auth, signal }, errorText);
      },
    };
  },
};
