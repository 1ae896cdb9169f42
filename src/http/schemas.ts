// Schemas shared by routes: validation, serialization and the OpenAPI document come from these.
import { Type, type TSchema } from '@sinclair/typebox';
import { HEADER_NAME } from './validation.js';
import { HEADER_SAFE } from '../core/header-safe.js';
import { MAX_ADDRESS_LENGTH } from '../core/message.js';
import { EVENT_TYPES } from '../core/delivery-event.js';

export const Mailbox = Type.String({ format: 'mailbox', maxLength: MAX_ADDRESS_LENGTH, description: '`addr@domain` or `Display Name <addr@domain>`' });

/** An inline part's Content-ID, referenced from the HTML as `cid:…` (no angle brackets, no spaces). */
export const ContentId = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s<>"]+$', description: 'Content-ID of an inline image, used as `cid:…` in body_html' });
export const SendAt = Type.String({ maxLength: 40, description: 'ISO 8601 date-time with a UTC offset, in the future, at most 30 days ahead: the email is stored as `scheduled` and sent then' });

export const MessageDetail = Type.Object({ message: Type.String() });
export const ErrorBody = Type.Object({ detail: MessageDetail }, { description: 'Error with a message' });
export const ValidationErrorBody = Type.Object(
  {
    detail: Type.Array(
      Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Integer()])), msg: Type.String(), type: Type.String() }),
    ),
  },
  { description: 'Invalid input: one entry per problem, `loc` names the field' },
);

export const ProviderRefSchema = Type.Object({ id: Type.String(), name: Type.String(), type: Type.String() });

export const AttemptSchema = Type.Object({
  provider_id: Type.String(),
  provider_name: Type.String(),
  provider_type: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  duration_ms: Type.Number(),
  ok: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  error_class: Type.Union([Type.Literal('transient'), Type.Literal('permanent'), Type.Literal('uncertain'), Type.Null()]),
});

export const DeliveryEventSchema = Type.Object({
  type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
  bounce_type: Type.Union([Type.Literal('hard'), Type.Literal('soft'), Type.Null()]),
  recipient: Type.String(),
  occurred_at: Type.String({ format: 'date-time' }),
  provider_id: Type.String(),
  detail: Type.Union([Type.String(), Type.Null()]),
  url: Type.Union([Type.String(), Type.Null()]),
});

export const SendBody = Type.Object(
  {
    from: Mailbox,
    to: Type.Array(Mailbox, { minItems: 1, maxItems: 50 }),
    cc: Type.Optional(Type.Array(Mailbox, { maxItems: 50 })),
    bcc: Type.Optional(Type.Array(Mailbox, { maxItems: 50 })),
    subject: Type.String({ minLength: 1, maxLength: 998, pattern: HEADER_SAFE }),
    body_text: Type.Optional(Type.String()),
    body_html: Type.Optional(Type.String()),
    reply_to: Type.Optional(Mailbox),
    headers: Type.Optional(
      Type.Object(
        {},
        {
          propertyNames: { maxLength: 256, pattern: HEADER_NAME },
          additionalProperties: Type.String({ maxLength: 998, pattern: HEADER_SAFE }),
          maxProperties: 100,
          description: 'Extra headers, name → value (at most 100)',
        },
      ),
    ),
    attachments: Type.Optional(
      Type.Array(
        Type.Object({
          filename: Type.String({ minLength: 1, maxLength: 255, pattern: HEADER_SAFE }),
          content: Type.String({ format: 'base64', description: 'base64 of the file' }),
          content_type: Type.Optional(Type.String({ maxLength: 255, pattern: '^[\\w.+-]+/[\\w.+-]+(;[^\\u0000-\\u0008\\u000a-\\u001f]*)?$' })),
          content_id: Type.Optional(ContentId),
        }),
        { maxItems: 100 },
      ),
    ),
    tags: Type.Optional(
      Type.Object(
        {},
        {
          propertyNames: { minLength: 1, maxLength: 256, pattern: HEADER_SAFE },
          additionalProperties: Type.String({ maxLength: 256, pattern: HEADER_SAFE }),
          maxProperties: 50,
          description: 'Tags, name → value, strings only (at most 50)',
        },
      ),
    ),
    send_at: Type.Optional(SendAt),
  },
  { description: 'An email. At least one of body_text and body_html.' },
);

/** Documents every status a route answers; responses are serialized by the handlers themselves. */
export const responses = (map: Record<number, TSchema>) => map;
