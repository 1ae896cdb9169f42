// smtp-server undoes SMTP dot-stuffing (RFC 5321 4.5.2) and looks for the final "." of DATA with a byte-by-byte
// JavaScript loop (~140 µs of the event loop per 100 KB message, the largest cost of receiving one after the
// database write), and copies each chunk once more on the way. `useFastUnstuffing` replaces the one method that
// does both, SMTPStream#_feedDataStream, with a copy that searches with Buffer#indexOf and skips that copy. It
// does so only while smtp-server's method is exactly the one this copy was made from (smtp-server 3.21.6, by a
// hash of its source): after any change upstream the original stays in place, and test/smtp/unstuffing.test.ts
// fails until this is looked at again.
import { createHash } from 'node:crypto';

/** sha256 of SMTPStream.prototype._feedDataStream.toString() in smtp-server 3.21.6 (dist/esm). */
export const REVIEWED_FEED_SHA256 = '9d8b903f9a3a63542d72e19a9e2f67009a3b1107a28d57e8e7369355454ff230';

/** The SMTPStream state the method reads and writes (smtp-server's own fields). */
interface DataModeStream {
  _dataStream: NodeJS.WritableStream & { writable: boolean; destroyed: boolean };
  _lastBytes: Buffer | false;
  _atDataStart: boolean;
  _countDataBytes(length: number): void;
  _endDataMode(chunk: Buffer | false, remainder: Buffer, done: (err?: Error) => void): void;
  _feedDataStream(chunk: Buffer, done: (err?: Error) => void): void;
}

const END_SEQUENCE = Buffer.from('\r\n.\r\n');
const DOT_CRLF = Buffer.from('.\r\n');
const LF_DOT = Buffer.from('\n.');

/** Whether a dot could start a line across the seam of the held bytes and the next chunk (positions 2 … held + 1). */
const lineDotAtSeam = (held: Buffer, chunk: Buffer) => Buffer.concat([held.subarray(1), chunk.subarray(0, 2)]).includes(LF_DOT);

/**
 * smtp-server 3.21.6's _feedDataStream with two changes, same bytes out in the same order:
 * - its scan `for (i = 2; i < len - 2; i++) if (chunk[i] === 0x2e && chunk[i - 1] === 0x0a)` is done by
 *   indexOf('\n.'): the same candidates in the same order;
 * - it copied every chunk behind the 4 bytes held back from the previous one (a copy of the whole message);
 *   those bytes are now written out ahead of the chunk instead, unless a line-start dot could span the seam,
 *   the chunk is short, or the message has not started yet: then it copies, as before.
 * Everything else is as it was: the start-of-data checks that keep a dot-stuffed first line from ending DATA,
 * escape handling, the byte count (updated before any write), back-pressure.
 */
function feedDataStream(this: DataModeStream, input: Buffer, done: (err?: Error) => void): void {
  const dataStream = this._dataStream;
  let chunk = input;
  /** bytes held back from the previous chunk, written out ahead of this chunk's */
  let head: Buffer | undefined;
  const held = this._lastBytes;
  if (held && held.length) {
    this._lastBytes = false;
    if (this._atDataStart || chunk.length < 8 || lineDotAtSeam(held, chunk)) chunk = Buffer.concat([held, chunk], held.length + chunk.length);
    else head = held;
  }
  const counted = (part: Buffer) => (head ? head.length : 0) + part.length;
  const writeHead = () => head && dataStream.writable && dataStream.write(head);
  let len = chunk.length;
  if (this._atDataStart && len >= 3 && Buffer.compare(chunk.subarray(0, 3), DOT_CRLF) === 0) {
    this._endDataMode(false, chunk.subarray(3), done);
    return;
  }
  if (this._atDataStart && len >= 2 && chunk[0] === 0x2e && chunk[1] === 0x2e) {
    chunk = chunk.subarray(1);
    len--;
    this._atDataStart = false;
  }
  // i: a dot at the start of a line, 2 <= i < len - 2 (the LF before it is at 1 or later).
  for (let lf = chunk.indexOf(LF_DOT, 1), i = lf + 1; lf >= 0 && i < len - 2; lf = chunk.indexOf(LF_DOT, i), i = lf + 1) {
    if (Buffer.compare(chunk.subarray(i - 2, i + 3), END_SEQUENCE) === 0) {
      const buf = chunk.subarray(0, i);
      this._countDataBytes(counted(buf));
      writeHead();
      this._endDataMode(buf, chunk.subarray(i + 3), done);
      return;
    }
    if (chunk[i + 1] === 0x2e) {
      const buf = chunk.subarray(0, i);
      this._lastBytes = false;
      this._countDataBytes(counted(buf));
      if (dataStream.writable) {
        writeHead();
        dataStream.write(buf);
      }
      const rest = chunk.subarray(i + 1);
      setImmediate(() => this._feedDataStream(rest, done));
      return;
    }
  }
  this._lastBytes = chunk.length < 4 ? chunk : chunk.subarray(chunk.length - 4);
  if (this._lastBytes.length < chunk.length) {
    const buf = chunk.subarray(0, chunk.length - this._lastBytes.length);
    this._countDataBytes(counted(buf));
    if (dataStream.writable) {
      writeHead();
      const handled = dataStream.write(buf);
      if (!handled && !dataStream.destroyed) {
        const onDrain = () => {
          dataStream.removeListener('drain', onDrain);
          dataStream.removeListener('close', onDrain);
          done();
        };
        dataStream.once('drain', onDrain);
        dataStream.once('close', onDrain);
      } else return done();
    } else return done();
  } else return done();
}

/** smtp-server's SMTPStream class (not exported by the package; its own module, loaded by smtp-server anyway). */
export async function smtpStreamClass(): Promise<{ prototype: DataModeStream }> {
  const url = new URL('./smtp-stream.js', import.meta.resolve('smtp-server'));
  return (await import(url.href)).SMTPStream;
}

let applied: Promise<boolean> | undefined;

/** Installs the indexOf scan when smtp-server's method is the reviewed one; true when it is in place. Once per process. */
export function useFastUnstuffing(): Promise<boolean> {
  return (applied ??= smtpStreamClass().then(
    ({ prototype }) => {
      if (prototype._feedDataStream === feedDataStream) return true;
      const sha = createHash('sha256').update(String(prototype._feedDataStream)).digest('hex');
      if (sha !== REVIEWED_FEED_SHA256) return false;
      prototype._feedDataStream = feedDataStream;
      return true;
    },
    () => false,
  ));
}
