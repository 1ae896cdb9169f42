// Resend's `POST /emails` body → the native send input. Shapes from resend/resend-node (src/emails/interfaces,
// parseEmailToApiOptions) and resend/resend-openapi resend.yaml: snake_case, string-or-list recipients,
// tags as [{name,value}], `scheduled_at` as ISO 8601.
import { Type, type Static } from '@sinclair/typebox';
import type { SendInput } from '../../core/message.js';
import { parseSendAt } from '../../core/schedule.js';
import { dotted, nativeProblems, type Problem } from '../edge.js';

const Text = Type.String({ maxLength: 998 });
const Recipients = Type.Union([Text, Type.Array(Text, { maxItems: 50 })]);
/** Resend's tag rule: ASCII letters, digits, `_` and `-`, at most 256. */
const TagText = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' });

export const ResendEmail = Type.Object(
  {
    from: Text,
    to: Recipients,
    subject: Type.String(),
    cc: Type.Optional(Recipients),
    bcc: Type.Optional(Recipients),
    reply_to: Type.Optional(Recipients),
    html: Type.Optional(Type.String()),
    text: Type.Optional(Type.String()),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    attachments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            content: Type.Optional(Type.String()),
            filename: Type.Optional(Type.String()),
            path: Type.Optional(Type.String({ maxLength: 2048 })),
            content_type: Type.Optional(Type.String()),
            content_id: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
    tags: Type.Optional(Type.Array(Type.Object({ name: TagText, value: TagText }, { additionalProperties: false }), { maxItems: 50 })),
    scheduled_at: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false, description: 'A Resend email (resend-node `CreateEmailOptions` as sent on the wire)' },
);
export type ResendEmail = Static<typeof ResendEmail>;

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** Native field → Resend's name for it (`loc` without `body`). */
const RESEND_NAMES: Record<string, string> = { body_text: 'text', body_html: 'html', send_at: 'scheduled_at' };
const resendName = (prefix: string) => (loc: readonly (string | number)[]) => {
  const [head, ...rest] = loc;
  return `${prefix}${dotted([RESEND_NAMES[head as string] ?? head, ...rest])}`;
};

export interface Translated {
  readonly input: SendInput;
  readonly sendAt?: Date;
  readonly problems: Problem[];
}

/** One Resend email as native input; `prefix` names its place in a batch (`[3].`). Never throws. */
export function fromResend(e: ResendEmail, prefix = ''): Translated {
  const problems: Problem[] = [];
  const replyTo = list(e.reply_to) ?? [];
  if (replyTo.length > 1) problems.push({ field: `${prefix}reply_to`, msg: 'This gateway keeps one reply_to address per email', type: 'value_error' });
  (e.attachments ?? []).forEach((a, i) => {
    if (a.path !== undefined) problems.push({ field: `${prefix}attachments[${i}].path`, msg: 'Attachments by URL (path) are not fetched by this gateway: send content (base64)', type: 'value_error' });
    if (a.content === undefined) problems.push({ field: `${prefix}attachments[${i}].content`, msg: 'Field required', type: 'missing' });
    if (a.filename === undefined) problems.push({ field: `${prefix}attachments[${i}].filename`, msg: 'Field required', type: 'missing' });
  });
  let sendAt: Date | undefined;
  if (e.scheduled_at !== undefined) {
    const when = parseSendAt(e.scheduled_at);
    if (when.ok) sendAt = when.at;
    else problems.push({ field: `${prefix}scheduled_at`, msg: when.msg.replace('send_at', 'scheduled_at'), type: 'value_error' });
  }
  const tags: Record<string, string> = {};
  for (const t of e.tags ?? []) tags[t.name] = t.value;
  const input: SendInput = {
    from: e.from,
    to: list(e.to) ?? [],
    ...(e.cc !== undefined && { cc: list(e.cc) }),
    ...(e.bcc !== undefined && { bcc: list(e.bcc) }),
    ...(replyTo[0] !== undefined && { reply_to: replyTo[0] }),
    subject: e.subject,
    ...(e.text !== undefined && { body_text: e.text }),
    ...(e.html !== undefined && { body_html: e.html }),
    ...(e.headers && { headers: e.headers }),
    ...(e.attachments && {
      attachments: e.attachments.map((a) => ({
        filename: a.filename ?? '',
        content: a.content ?? '',
        ...(a.content_type !== undefined && { content_type: a.content_type }),
        ...(a.content_id !== undefined && { content_id: a.content_id }),
      })),
    }),
    ...(e.tags && { tags }),
  };
  problems.push(...nativeProblems(input, resendName(prefix)).filter((p) => !problems.some((q) => q.field === p.field)));
  return { input, sendAt, problems };
}
