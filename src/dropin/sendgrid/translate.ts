// SendGrid v3 `POST /v3/mail/send` → native send inputs, one per personalization (twilio/sendgrid-oai
// spec/yaml/tsg_mail_v3.yaml; @sendgrid/helpers Mail#toJSON for what the SDK puts on the wire).
// A personalization's subject, headers, custom_args and send_at override the message-level ones.
import { Type, type Static } from '@sinclair/typebox';
import { formatAddress, type SendInput } from '../../core/message.js';
import { sendAtFromUnix } from '../../core/schedule.js';
import { nativeProblems, type Problem } from '../edge.js';

const Text = Type.String({ maxLength: 998 });
const Person = Type.Object({ email: Text, name: Type.Optional(Text) }, { additionalProperties: false });
const People = Type.Array(Person, { maxItems: 50 });
const StringMap = Type.Record(Type.String(), Type.String());
const UnixSeconds = Type.Integer({ minimum: 0 });
/** Personalizations per request: the native batch's bound (SendGrid's own is 1000). */
export const MAX_PERSONALIZATIONS = 100;
const MAX_CATEGORIES = 10;

const Personalization = Type.Object(
  {
    to: Type.Array(Person, { minItems: 1, maxItems: 50 }),
    cc: Type.Optional(People),
    bcc: Type.Optional(People),
    from: Type.Optional(Person),
    subject: Type.Optional(Type.String()),
    headers: Type.Optional(StringMap),
    custom_args: Type.Optional(StringMap),
    send_at: Type.Optional(UnixSeconds),
  },
  { additionalProperties: false },
);

export const SendgridMail = Type.Object(
  {
    personalizations: Type.Array(Personalization, { minItems: 1, maxItems: MAX_PERSONALIZATIONS }),
    from: Person,
    reply_to: Type.Optional(Person),
    reply_to_list: Type.Optional(Type.Array(Person, { maxItems: 1000 })),
    subject: Type.Optional(Type.String()),
    content: Type.Optional(Type.Array(Type.Object({ type: Type.String({ maxLength: 100 }), value: Type.String() }, { additionalProperties: false }), { maxItems: 10 })),
    attachments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            content: Type.String(),
            filename: Type.String(),
            type: Type.Optional(Type.String()),
            disposition: Type.Optional(Type.Union([Type.Literal('attachment'), Type.Literal('inline')])),
            content_id: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
    headers: Type.Optional(StringMap),
    categories: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: MAX_CATEGORIES })),
    custom_args: Type.Optional(StringMap),
    send_at: Type.Optional(UnixSeconds),
  },
  { additionalProperties: false, description: 'A SendGrid v3 mail/send request' },
);
export type SendgridMail = Static<typeof SendgridMail>;
type Person = Static<typeof Person>;

const mailbox = (p: Person) => formatAddress(p.name ? { address: p.email, name: p.name } : { address: p.email });

/** Native loc → SendGrid's dotted field name (`personalizations.0.to.1.email`). */
function fieldName(i: number, loc: readonly (string | number)[]): string {
  const [head, ...rest] = loc;
  const p = `personalizations.${i}`;
  switch (head) {
    case 'to':
    case 'cc':
    case 'bcc':
      return `${p}.${head}.${rest[0] ?? ''}.email`.replace('..', '.');
    case 'from':
    case 'reply_to':
      return `${head}.email`;
    case 'body_text':
    case 'body_html':
      return 'content';
    case 'attachments':
      return ['attachments', rest[0], rest[1] === 'content_type' ? 'type' : rest[1]].filter((x) => x !== undefined).join('.');
    case 'tags':
      return 'custom_args';
    default:
      return [head, ...rest].join('.');
  }
}

export interface Translated {
  readonly inputs: { readonly input: SendInput; readonly sendAt?: Date }[];
  readonly problems: Problem[];
}

/** The whole request as one native input per personalization; every problem, named SendGrid's way. */
export function fromSendgrid(b: SendgridMail): Translated {
  const problems: Problem[] = [];
  const problem = (field: string, msg: string) => problems.push({ field, msg, type: 'value_error' });

  let text: string | undefined;
  let html: string | undefined;
  (b.content ?? []).forEach((c, i) => {
    const type = c.type.toLowerCase();
    if (type === 'text/plain' && text === undefined) text = c.value;
    else if (type === 'text/html' && html === undefined) html = c.value;
    else problem(`content.${i}.type`, 'Only one text/plain and one text/html content are supported');
  });
  const replyTo = b.reply_to ?? b.reply_to_list?.[0];
  if (b.reply_to && b.reply_to_list) problem('reply_to_list', 'Send reply_to or reply_to_list, not both');
  if ((b.reply_to_list?.length ?? 0) > 1) problem('reply_to_list', 'This gateway keeps one reply-to address per email');
  const attachments = (b.attachments ?? []).map((a, i) => {
    if (a.disposition === 'inline' && !a.content_id) problem(`attachments.${i}.content_id`, 'content_id is required when disposition is inline');
    if (a.content_id && a.disposition !== 'inline') problem(`attachments.${i}.disposition`, 'content_id is only used with disposition inline');
    return {
      filename: a.filename,
      content: a.content,
      ...(a.type !== undefined && { content_type: a.type }),
      ...(a.disposition === 'inline' && a.content_id ? { content_id: a.content_id } : {}),
    };
  });
  // categories become tags `category`, `category_2`, …; custom_args keep their names.
  const categories: Record<string, string> = {};
  (b.categories ?? []).forEach((c, i) => (categories[i === 0 ? 'category' : `category_${i + 1}`] = c));

  const inputs = b.personalizations.map((p, i) => {
    const args = { ...b.custom_args, ...p.custom_args };
    for (const k of Object.keys(args)) if (k in categories) problem(`personalizations.${i}.custom_args.${k}`, `custom_args key ${k} is taken by categories`);
    let sendAt: Date | undefined;
    const at = p.send_at ?? b.send_at;
    if (at !== undefined) {
      const when = sendAtFromUnix(at);
      if (when.ok) sendAt = when.at;
      else problem(p.send_at !== undefined ? `personalizations.${i}.send_at` : 'send_at', when.msg);
    }
    const subject = p.subject ?? b.subject;
    const headers = { ...b.headers, ...p.headers };
    const tags = { ...categories, ...args };
    const input: SendInput = {
      from: mailbox(p.from ?? b.from),
      to: p.to.map(mailbox),
      ...(p.cc && { cc: p.cc.map(mailbox) }),
      ...(p.bcc && { bcc: p.bcc.map(mailbox) }),
      ...(replyTo && { reply_to: mailbox(replyTo) }),
      subject: subject ?? '',
      ...(text !== undefined && { body_text: text }),
      ...(html !== undefined && { body_html: html }),
      ...(Object.keys(headers).length ? { headers } : {}),
      ...(attachments.length ? { attachments } : {}),
      ...(Object.keys(tags).length ? { tags } : {}),
    };
    if (subject === undefined) problem(`personalizations.${i}.subject`, 'The subject is required: set subject on the message or on each personalization');
    problems.push(...nativeProblems(input, (loc) => fieldName(i, loc)).filter((q) => !(subject === undefined && q.field === 'subject')));
    return { input, sendAt };
  });
  // One problem per field: the same attachment or content fault would otherwise repeat for every personalization.
  const seen = new Set<string>();
  return { inputs, problems: problems.filter((q) => !seen.has(q.field + q.msg) && seen.add(q.field + q.msg)) };
}
