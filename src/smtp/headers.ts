// The top-level header block of a message, read at intake the way mailparser reads it, without its stream
// pipeline. Building MailParser's streams (splitter, decoders, several event-loop hops) cost ~90–110 µs for a
// few headers, more than all the rest of the intake; what intake needs (From, To, Cc, Reply-To, Subject and the
// raw lines) comes from the same steps done directly: mailsplit's line splitting and limits, libmime's
// unfolding, UTF-8 for 8-bit bytes, and addresses through mailparser's own `parseAddressHeader`. Whatever
// this does not read exactly as mailparser would, it declines (undefined) and the caller asks mailparser:
// an encoded-word Subject, a header block near mailsplit's size limit.
import type { AddressObject, HeaderLines } from 'mailparser';

/** The fields of ParsedMail that intake reads, as mailparser's simpleParser sets them. */
export interface ParsedHeaders {
  readonly from?: AddressObject;
  readonly to?: AddressObject | AddressObject[];
  readonly cc?: AddressObject | AddressObject[];
  readonly replyTo?: AddressObject;
  readonly subject?: string;
  readonly headerLines: HeaderLines;
}

type ParseAddressHeader = (value: string | string[]) => AddressObject;

/** mailsplit counts every header line as at least this many bytes against its 1 MiB limit. */
const LINE_MIN_COST = 64;
/** A quarter of mailsplit's limit: far from it, the block cannot fail there; near it, mailparser decides. */
const MAX_COST = 256 * 1024;

/**
 * Where the header block ends, as mailsplit ends it: after the first empty line (LF or CRLF; lines are split
 * at LF), or at the end of the source. `cost` is what the block counts for against mailsplit's limit; past
 * `maxCost` the scan stops (end = the whole source).
 */
export function headerBlock(raw: Buffer, maxCost = Infinity): { end: number; cost: number } {
  let pos = 0;
  let cost = 0;
  while (pos < raw.length) {
    if (cost > maxCost) return { end: raw.length, cost };
    const lf = raw.indexOf(0x0a, pos);
    if (lf < 0) return { end: raw.length, cost: cost + Math.max(raw.length - pos, LINE_MIN_COST) };
    const length = lf + 1 - pos;
    if (length === 1 || (length === 2 && raw[pos] === 0x0d)) return { end: lf + 1, cost: cost + length };
    cost += Math.max(length, LINE_MIN_COST);
    pos = lf + 1;
  }
  return { end: raw.length, cost };
}

const isFolding = (line: string) => line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09;
const headerKey = (s: string) => s.toLowerCase().trim();

/**
 * The header lines as mailsplit's Headers lists them (its `_parseHeaders`): a binary string per logical line,
 * folded lines joined with CRLF, the key lower-cased; an mbox `From ` or HTTP `POST ` preamble is not a header.
 */
export function headerLines(block: Buffer): HeaderLines {
  const raw = block.toString('binary');
  let end = raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === 0x0a || raw.charCodeAt(end - 1) === 0x0d)) end--;
  const rawLines = raw.slice(0, end).split(/\r?\n/);
  let i = 1;
  let first = rawLines[0];
  while (i < rawLines.length && isFolding(rawLines[i])) first += '\r\n' + rawLines[i++];
  const lines: { key: string; line: string }[] = [];
  if (!/^From /i.test(first) && !/^POST /i.test(first)) lines.push({ key: headerKey(first.substr(0, first.indexOf(':'))), line: first });
  // A line without a colon may still get its key from a continuation line.
  let keyPending = false;
  for (; i < rawLines.length; i++) {
    const current = rawLines[i];
    if (isFolding(current)) {
      // The loop starts on a line that is not folded, so there is always a last entry.
      const entry = lines[lines.length - 1];
      if (keyPending) {
        const colon = current.indexOf(':');
        if (colon >= 0) {
          entry.key = headerKey(entry.line + '\r\n' + current.substr(0, colon));
          keyPending = false;
        }
      }
      entry.line += '\r\n' + current;
    } else {
      const colon = current.indexOf(':');
      lines.push({ key: headerKey(current.substr(0, colon)), line: current });
      keyPending = colon < 0;
    }
  }
  return lines;
}

/** A header line's value as mailparser takes it: libmime's decodeHeader (unfolded, after the first colon), trimmed, 8-bit bytes as UTF-8. */
export function headerValue(line: string): string {
  const unfolded = line.replace(/(?:\r?\n|\r)[ \t]*/g, ' ').trim();
  const match = unfolded.match(/^\s*([^:]+):(.*)$/);
  const value = ((match && match[2]) || '').trim();
  return Buffer.from(value, 'binary').toString();
}

/**
 * The intake fields of a message's header block, equal to what mailparser's simpleParser gives for them, or
 * undefined when that takes mailparser itself: a Subject libmime would decode (an encoded word, or a NUL that
 * its word joiner reacts to), or a block too large to be sure mailsplit's size limit does not refuse it.
 */
export function readHeaders(raw: Buffer, parseAddressHeader: ParseAddressHeader): ParsedHeaders | undefined {
  const { end, cost } = headerBlock(raw, MAX_COST);
  if (cost > MAX_COST) return undefined;
  const lines = headerLines(raw.subarray(0, end));
  let subject: string | undefined;
  let from: string | undefined;
  let replyTo: string | undefined;
  const to: string[] = [];
  const cc: string[] = [];
  for (const { key, line } of lines) {
    switch (key) {
      case 'subject': {
        if (subject !== undefined) break;
        const value = headerValue(line);
        if (value.includes('=?') || value.includes('\0')) return undefined;
        // mailparser keeps the first Subject with a value: an empty one does not count.
        if (value) subject = value;
        break;
      }
      case 'from':
        from ??= headerValue(line);
        break;
      case 'reply-to':
        replyTo ??= headerValue(line);
        break;
      case 'to':
        to.push(headerValue(line));
        break;
      case 'cc':
        cc.push(headerValue(line));
        break;
    }
  }
  return {
    from: from === undefined ? undefined : parseAddressHeader(from),
    to: to.length ? parseAddressHeader(to) : undefined,
    cc: cc.length ? parseAddressHeader(cc) : undefined,
    replyTo: replyTo === undefined ? undefined : parseAddressHeader(replyTo),
    subject,
    headerLines: lines,
  };
}
