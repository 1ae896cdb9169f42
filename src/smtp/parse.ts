// The bytes of one SMTP transaction → a Message. mailparser reads the MIME; the envelope decides who
// receives it; `raw` keeps the exact bytes so SMTP providers relay them unchanged. The raw source is the
// one stored copy: body parts are derived from it when read (`withParts`), never stored again.
import type { AddressObject, HeaderLines, ParsedMail } from 'mailparser';
import type { Address, Attachment, Message } from '../core/message.js';
import { headerBlock, readHeaders, type ParsedHeaders } from './headers.js';

export interface Envelope {
  /** MAIL FROM; '' for the null sender `<>` */
  readonly from: string;
  readonly to: readonly string[];
}

/** What mailparser should not spend time on: we keep text and html as they are, and cid: links as cid: links. */
const PARSER_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, keepCidLinks: true } as const;

/** Headers worth handing to HTTP providers; the rest are the message's own fields, MIME structure or transport trace. */
const KEPT_HEADER = /^(x-[!-9;-~]+|list-[a-z-]+|in-reply-to|references|auto-submitted|precedence)$/i;
const MAX_KEPT_HEADERS = 100;
const MAX_HEADER_VALUE = 4000;

/** No CR, LF or NUL survives into an address, subject or header value: nothing can inject headers downstream. */
const oneLine = (s: string) => s.replace(/[\r\n\0]+/g, ' ').trim();
const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** mailparser's address objects (a list for repeated headers, groups nested) as flat Address values. */
export function flattenAddresses(field: AddressObject | AddressObject[] | undefined): Address[] {
  const out: Address[] = [];
  const visit = (entries: { address?: string; name?: string; group?: unknown[] }[]) => {
    for (const e of entries) {
      if (e.group) visit(e.group as typeof entries);
      const address = e.address ? oneLine(e.address).replace(/\s+/g, '') : '';
      if (!address) continue;
      const name = e.name ? oneLine(e.name) : '';
      out.push(name ? { address, name } : { address });
    }
  };
  for (const obj of field === undefined ? [] : Array.isArray(field) ? field : [field]) visit(obj.value ?? []);
  return out;
}

/** X-*, List-*, In-Reply-To, References, Auto-Submitted, Precedence: unfolded, first occurrence of each name. */
export function keptHeaders(lines: HeaderLines | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { key, line } of lines ?? []) {
    if (seen.size >= MAX_KEPT_HEADERS) break;
    if (seen.has(key) || !KEPT_HEADER.test(key)) continue;
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    const name = line.slice(0, colon).trim();
    if (!KEPT_HEADER.test(name)) continue;
    // mailsplit hands header lines over as binary strings: re-read them as UTF-8, as mailparser does.
    const value = oneLine(Buffer.from(line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' '), 'binary').toString('utf8'));
    if (!value || value.length > MAX_HEADER_VALUE) continue;
    seen.add(key);
    kept[name] = value;
  }
  return kept;
}

const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 256;

/**
 * Tags from an `X-Tags` header, as Mailpit reads it: comma-separated, each `key:value` or a bare word
 * (stored as `word: word`). Split by plain string operations on an already length-bounded value.
 */
export function tagsFromHeader(value: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  if (!value) return tags;
  let n = 0;
  for (const part of value.split(',')) {
    if (n >= MAX_TAGS) break;
    const item = part.trim();
    if (!item) continue;
    const colon = item.indexOf(':');
    const key = (colon < 0 ? item : item.slice(0, colon)).trim();
    const val = (colon < 0 ? item : item.slice(colon + 1)).trim();
    if (!key || key.length > MAX_TAG_LENGTH || val.length > MAX_TAG_LENGTH) continue;
    if (!(key in tags)) n++;
    tags[key] = val;
  }
  return tags;
}

/** `<id@host>` → `id@host`: the form providers and nodemailer's `cid` take. */
const contentIdOf = (cid: string | undefined): string | undefined => {
  const id = oneLine(cid ?? '').replace(/^<|>$/g, '');
  return id && id.length <= 255 ? id : undefined;
};

/** `withContent` false: names and sizes only (a detail view), without a base64 copy of every attachment. */
function attachmentsOf(parsed: ParsedMail, withContent = true): Attachment[] {
  return parsed.attachments.map((a, i) => {
    const contentId = contentIdOf(a.contentId ?? a.cid);
    return {
      filename: oneLine(a.filename ?? '') || `attachment-${i + 1}`,
      contentType: oneLine(a.contentType ?? '') || 'application/octet-stream',
      content: withContent ? a.content.toString('base64') : '',
      size: a.content.length,
      ...(contentId ? { contentId } : {}),
    };
  });
}

/**
 * Builds the Message from the parsed header block (the body parts stay in `raw`). The envelope decides
 * who receives it, as in any MTA:
 * To/Cc keep only the header recipients that are envelope recipients, and every other envelope
 * recipient is Bcc. When no header recipient is left and there is exactly one envelope recipient, it
 * becomes To (nobody to hide it from); several hidden recipients stay Bcc with To empty.
 * A missing or unreadable From falls back to MAIL FROM; a missing Subject is ''.
 */
export function toMessage(parsed: ParsedHeaders, raw: Buffer, envelope: Envelope): Message {
  const inEnvelope = (a: Address) => envelope.to.some((r) => sameAddress(r, a.address));
  const to = flattenAddresses(parsed.to).filter(inEnvelope);
  const cc = flattenAddresses(parsed.cc).filter(inEnvelope);
  const shown = [...to, ...cc];
  const hidden = envelope.to.filter((r) => !shown.some((a) => sameAddress(a.address, r))).map((address) => ({ address }));
  const promote = to.length === 0 && cc.length === 0 && hidden.length === 1;
  const from = flattenAddresses(parsed.from)[0] ?? { address: oneLine(envelope.from) };
  const replyTo = flattenAddresses(parsed.replyTo)[0];
  const headers = keptHeaders(parsed.headerLines);
  const xTags = Object.keys(headers).find((k) => k.toLowerCase() === 'x-tags');
  return {
    from,
    to: promote ? hidden : to,
    cc,
    bcc: promote ? [] : hidden,
    replyTo,
    subject: oneLine(parsed.subject ?? ''),
    headers,
    attachments: [],
    tags: tagsFromHeader(xTags && headers[xTags]),
    raw,
    envelope: { from: envelope.from, to: [...envelope.to] },
  };
}

/** When mailparser gives up: the envelope, an empty subject and the raw source (relayable byte for byte). */
export function fallbackMessage(raw: Buffer, envelope: Envelope): Message {
  const to = envelope.to.map((address) => ({ address }));
  return {
    from: { address: oneLine(envelope.from) },
    to,
    cc: [],
    bcc: [],
    subject: '',
    headers: {},
    attachments: [],
    tags: {},
    raw,
    envelope: { from: envelope.from, to: [...envelope.to] },
  };
}

type Mailparser = typeof import('mailparser');
let mailparser: Promise<Mailparser> | undefined;
/** mailparser (and its decoders) load with the first message, not at start-up; once. */
const loadMailparser = () => (mailparser ??= import('mailparser'));

async function parse(source: Buffer): Promise<ParsedMail> {
  return (await loadMailparser()).simpleParser(source, PARSER_OPTIONS);
}

/** The header block alone through mailparser: the intake's fallback, and what its tests compare with. */
const mailparserHeaders = (raw: Buffer) => parse(raw.subarray(0, headerBlock(raw).end));

/**
 * At intake only the header block is parsed: routing, the log record and SMTP relay need the addresses,
 * subject and headers, never the body. Text, html and attachments stay in `raw` until a reader asks for
 * them (`withParts`), so a 24 MB message is held once, not again as decoded parts and base64.
 * The block is read directly (`readHeaders`, the same result as mailparser's) unless it needs mailparser.
 * Malformed MIME never throws: what cannot be parsed falls back to the envelope.
 */
export async function parseSmtpMessage(raw: Buffer, envelope: Envelope): Promise<Message> {
  try {
    const direct = readHeaders(raw, (await loadMailparser()).parseAddressHeader);
    return toMessage(direct ?? (await mailparserHeaders(raw)), raw, envelope);
  } catch {
    return fallbackMessage(raw, envelope);
  }
}

/** The intake parse through mailparser alone, for tests that hold `parseSmtpMessage` to the same result. */
export async function parseSmtpMessageWithMailparser(raw: Buffer, envelope: Envelope): Promise<Message> {
  try {
    return toMessage(await mailparserHeaders(raw), raw, envelope);
  } catch {
    return fallbackMessage(raw, envelope);
  }
}

/** The body parts of an SMTP message, derived from its raw source (text, html, attachments as base64). */
export async function partsOf(raw: Buffer, withContent = true): Promise<Pick<Message, 'text' | 'html' | 'attachments'>> {
  try {
    const parsed = await parse(raw);
    return { text: parsed.text || undefined, html: parsed.html || undefined, attachments: attachmentsOf(parsed, withContent) };
  } catch {
    return { attachments: [] };
  }
}

/** A message with its body parts, for a reader that needs them (HTTP providers, the detail view). */
export async function withParts(m: Message): Promise<Message> {
  return m.raw ? { ...m, ...(await partsOf(m.raw)) } : m;
}
