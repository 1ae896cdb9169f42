// Postmark's `POST /email` body (PascalCase) → the native send input. Shapes from ActiveCampaign/postmark.js
// src/client/models/message/Message.ts and https://postmarkapp.com/developer/api/email-api: recipients as
// comma-separated strings, Headers as [{Name,Value}], one Tag plus Metadata, ContentID as `cid:…`.
import { Type, type Static } from '@sinclair/typebox';
import type { SendInput } from '../../core/message.js';
import { base64Size } from '../../core/base64.js';
import { nativeProblems, type Problem } from '../edge.js';

/** 50 addresses of at most 998 characters, with separators. */
const List = Type.String({ maxLength: 51_000 });

export const PostmarkMessage = Type.Object(
  {
    From: Type.String({ maxLength: 998 }),
    To: List,
    Cc: Type.Optional(List),
    Bcc: Type.Optional(List),
    Subject: Type.Optional(Type.String()),
    Tag: Type.Optional(Type.String({ maxLength: 1000 })),
    HtmlBody: Type.Optional(Type.String()),
    TextBody: Type.Optional(Type.String()),
    ReplyTo: Type.Optional(Type.String({ maxLength: 998 })),
    Headers: Type.Optional(Type.Array(Type.Object({ Name: Type.String(), Value: Type.String() }, { additionalProperties: false }), { maxItems: 100 })),
    Metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
    Attachments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            Name: Type.String(),
            Content: Type.String(),
            ContentType: Type.Optional(Type.String()),
            // postmark.js's Attachment class sends `null` for an absent ContentID.
            ContentID: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
            /** redundant with Content: checked against its decoded size */
            ContentLength: Type.Optional(Type.Integer({ minimum: 0 })),
            Disposition: Type.Optional(Type.Union([Type.Literal('inline'), Type.Literal('attachment'), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
    MessageStream: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false, description: 'A Postmark email (postmark.js `Message` as sent on the wire)' },
);
export type PostmarkMessage = Static<typeof PostmarkMessage>;

/**
 * `a@x, "Doe, J" <b@y>` → the two mailboxes: commas inside double quotes do not split. One pass over a
 * length-bounded string; at most `max + 1` pieces are kept (one more than allowed, so the limit is reported).
 */
export function splitAddressList(s: string, max = 50): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= s.length && out.length <= max; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if ((c === ',' && !quoted) || i === s.length) {
      const part = s.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  return out;
}

/** Native field → Postmark's name for it. */
const NAMES: Record<string, string> = {
  from: 'From',
  to: 'To',
  cc: 'Cc',
  bcc: 'Bcc',
  subject: 'Subject',
  body_text: 'TextBody',
  body_html: 'HtmlBody',
  reply_to: 'ReplyTo',
  headers: 'Headers',
  tags: 'Metadata',
  attachments: 'Attachments',
};
const ATTACHMENT_NAMES: Record<string, string> = { filename: 'Name', content: 'Content', content_type: 'ContentType', content_id: 'ContentID' };

const postmarkName = (loc: readonly (string | number)[]) => {
  const [head, i, field] = loc;
  if (head === 'attachments' && i !== undefined) return `Attachments[${i}]${field ? `.${ATTACHMENT_NAMES[field as string] ?? field}` : ''}`;
  return NAMES[head as string] ?? String(head);
};

export interface Translated {
  readonly input: SendInput;
  readonly problems: Problem[];
}

export function fromPostmark(m: PostmarkMessage): Translated {
  const problems: Problem[] = [];
  const problem = (field: string, msg: string) => problems.push({ field, msg, type: 'value_error' });
  if (m.MessageStream !== undefined && m.MessageStream !== 'outbound') problem('MessageStream', 'Only the default "outbound" message stream is available through this gateway');
  const replyTo = m.ReplyTo === undefined ? [] : splitAddressList(m.ReplyTo);
  if (replyTo.length > 1) problem('ReplyTo', 'This gateway keeps one ReplyTo address per email');
  const headers: Record<string, string> = {};
  for (const h of m.Headers ?? []) {
    if (h.Name in headers) problem('Headers', `Header ${h.Name} is given twice`);
    headers[h.Name] = h.Value;
  }
  (m.Attachments ?? []).forEach((a, i) => {
    if (a.Disposition === 'inline' && typeof a.ContentID !== 'string') problem(`Attachments[${i}].ContentID`, 'An inline attachment needs a ContentID');
    if (a.Disposition === 'attachment' && typeof a.ContentID === 'string') problem(`Attachments[${i}].Disposition`, 'An attachment with a ContentID is inline');
    if (a.ContentLength !== undefined && a.ContentLength !== base64Size(a.Content)) problem(`Attachments[${i}].ContentLength`, 'ContentLength does not match the decoded Content');
  });
  const tags: Record<string, string> = { ...m.Metadata };
  if (m.Tag !== undefined) {
    if ('category' in tags) problem('Metadata.category', 'Metadata key category is taken by Tag');
    tags.category = m.Tag;
  }
  const input: SendInput = {
    from: m.From,
    to: splitAddressList(m.To),
    ...(m.Cc !== undefined && { cc: splitAddressList(m.Cc) }),
    ...(m.Bcc !== undefined && { bcc: splitAddressList(m.Bcc) }),
    ...(replyTo[0] !== undefined && { reply_to: replyTo[0] }),
    subject: m.Subject ?? '',
    ...(m.TextBody !== undefined && { body_text: m.TextBody }),
    ...(m.HtmlBody !== undefined && { body_html: m.HtmlBody }),
    ...(m.Headers && { headers }),
    ...(m.Attachments && {
      attachments: m.Attachments.map((a) => ({
        filename: a.Name,
        content: a.Content,
        ...(a.ContentType !== undefined && { content_type: a.ContentType }),
        // Postmark writes the Content-ID as it appears in the HTML: `cid:logo.png`.
        ...(typeof a.ContentID === 'string' && { content_id: a.ContentID.replace(/^cid:/i, '') }),
      })),
    }),
    ...(Object.keys(tags).length ? { tags } : {}),
  };
  problems.push(...nativeProblems(input, postmarkName));
  return { input, problems };
}
