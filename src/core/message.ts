// The one message model every ingress (HTTP, SMTP, queue, release) builds and every provider reads.
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { base64Size } from './base64.js';
import { isHeaderSafe } from './header-safe.js';

export interface Address {
  readonly address: string;
  readonly name?: string;
}

export interface Attachment {
  readonly filename: string;
  readonly contentType: string;
  /** base64 of the bytes: what every HTTP provider API wants, and what we store. */
  readonly content: string;
  /** decoded size in bytes */
  readonly size: number;
  /** Content-ID (without angle brackets) of an inline part, referenced from the HTML as `cid:…` */
  readonly contentId?: string;
}

export interface Message {
  readonly from: Address;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  readonly bcc: readonly Address[];
  readonly replyTo?: Address;
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly attachments: readonly Attachment[];
  readonly tags: Readonly<Record<string, string>>;
  /** Original RFC 5322 source (SMTP ingress): SMTP providers relay it byte for byte. */
  readonly raw?: Buffer;
  /** SMTP envelope (SMTP ingress): who actually receives it, Bcc included. */
  readonly envelope?: { readonly from: string; readonly to: readonly string[] };
}

/** The JSON shape of `POST /api/send` (snake_case, as in SPEC section 2). */
export interface SendInput {
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  body_text?: string;
  body_html?: string;
  reply_to?: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; content: string; content_type?: string; content_id?: string }[];
  tags?: Record<string, string>;
}

/** The longest address field accepted (a header line's limit, RFC 5322 2.1.1): checked before any parsing. */
export const MAX_ADDRESS_LENGTH = 998;

// `addr@domain` with no spaces, angle brackets or control characters. Two classes split by one `@`: linear.
const ADDR = /^[^\s<>@",;:()\\\[\]]+@[^\s<>@",;:()\\\[\]]+$/;

/** Display-name characters that need no quoting or decoding: addressparser keeps such a name as it is, trimmed. */
const PLAIN_NAME = /^[\p{L}\p{N} '._-]*$/u;

/**
 * The common cases without the tokenizer: `addr@domain`, and `Plain Name <addr@domain>` with a name of letters,
 * digits, spaces and `'._-`. Gives exactly what addressparser gives for them (a fuzz test compares the two);
 * undefined for anything else.
 */
export function parsePlainAddress(input: string): Address | undefined {
  if (ADDR.test(input)) return { address: input };
  const lt = input.indexOf('<');
  if (lt < 0 || !input.endsWith('>') || input.indexOf('<', lt + 1) >= 0) return undefined;
  const address = input.slice(lt + 1, -1);
  const name = input.slice(0, lt);
  if (!ADDR.test(address) || !PLAIN_NAME.test(name)) return undefined;
  const trimmed = name.trim();
  return trimmed ? { address, name: trimmed } : { address };
}

/**
 * Parses `addr@domain` or `Display Name <addr@domain>`; undefined when it is neither. nodemailer's
 * addressparser (a linear tokenizer) does the parsing; it reads almost anything as some address, so the
 * checks around it keep exactly the two forms SPEC section 2 allows.
 */
export function parseAddress(input: string): Address | undefined {
  if (input.length > MAX_ADDRESS_LENGTH || !isHeaderSafe(input)) return undefined;
  return parsePlainAddress(input) ?? tokenizedAddress(input);
}

/** parseAddress through nodemailer's tokenizer, for any input (exported for the test comparing the two paths). */
export function tokenizedAddress(input: string): Address | undefined {
  const text = input.trim();
  const parsed = addressparser(text);
  if (parsed.length !== 1 || 'group' in parsed[0]) return undefined;
  const { address, name } = parsed[0] as { address: string; name: string };
  if (!ADDR.test(address)) return undefined;
  const bare = text === address;
  // `Name <addr>`: the angle-bracketed address closes the text and the name holds no other bracket.
  const display = text.slice(0, text.length - address.length - 2);
  const angled = text.endsWith(`<${address}>`) && !display.includes('<') && !display.includes('>');
  if (!bare && !angled) return undefined;
  return name ? { address, name } : { address };
}

/** `Name <addr>` (quoting the name when it needs it) or the bare address. */
export function formatAddress(a: Address): string {
  if (!a.name) return a.address;
  const name = /^[\w .!#$%&'*+\-/=?^`{|}~]*$/.test(a.name) ? a.name : `"${a.name.replace(/["\\]/g, '\\$&')}"`;
  return `${name} <${a.address}>`;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Every envelope recipient: the SMTP envelope when there is one, else to + cc + bcc. */
export function recipients(m: Message): string[] {
  if (m.envelope) return [...m.envelope.to];
  return [...m.to, ...m.cc, ...m.bcc].map((a) => a.address);
}

const mustParse = (s: string): Address => {
  const a = parseAddress(s);
  if (!a) throw new Error(`invalid address: ${s}`);
  return a;
};

/** Builds a Message from already-validated `POST /api/send` input. */
export function createMessage(input: SendInput): Message {
  return {
    from: mustParse(input.from),
    to: input.to.map(mustParse),
    cc: (input.cc ?? []).map(mustParse),
    bcc: (input.bcc ?? []).map(mustParse),
    replyTo: input.reply_to ? mustParse(input.reply_to) : undefined,
    subject: input.subject,
    text: input.body_text || undefined,
    html: input.body_html || undefined,
    headers: { ...(input.headers ?? {}) },
    attachments: (input.attachments ?? []).map((a) => {
      const content = a.content.replace(/\s+/g, '');
      return {
        filename: a.filename,
        contentType: a.content_type || 'application/octet-stream',
        content,
        size: base64Size(content),
        ...(a.content_id ? { contentId: a.content_id } : {}),
      };
    }),
    tags: { ...(input.tags ?? {}) },
  };
}
