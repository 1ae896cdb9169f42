// Unit: the indexOf DATA scan (src/smtp/unstuffing.ts) behaves exactly as smtp-server's own byte loop, on
// random SMTP input cut into random TCP-sized pieces (dot-stuffed lines, terminators across chunk edges,
// pipelined commands after the final dot, a dot-stuffed first line that must not end DATA).
import { test } from 'node:test';
import { seededRandom } from '../support/random.js';
import assert from 'node:assert/strict';
import { smtpStreamClass, useFastUnstuffing } from '../../src/smtp/unstuffing.js';

type Feed = (chunk: Buffer, done: (err?: Error) => void) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stream = any;

const SMTPStream = (await smtpStreamClass()) as unknown as { new (): Stream; prototype: { _feedDataStream: Feed } };
const original = SMTPStream.prototype._feedDataStream;

test('the installed smtp-server is the reviewed one: the fast scan is in place (if this fails, review unstuffing.ts against the new version)', async () => {
  assert.equal(await useFastUnstuffing(), true);
  assert.notEqual(SMTPStream.prototype._feedDataStream, original);
  assert.equal(await useFastUnstuffing(), true, 'idempotent');
});

/** What a connection sees: the command lines, and each message's bytes with smtp-server's byte count. */
async function events(feed: Feed, chunks: readonly Buffer[], maxBytes = 1_000_000): Promise<string[]> {
  const s: Stream = new SMTPStream();
  s._feedDataStream = feed;
  const seen: string[] = [];
  s.oncommand = (command: Buffer, next?: () => void) => {
    const line = command.toString('latin1');
    seen.push(`command ${JSON.stringify(line)}`);
    if (line === 'DATA') {
      const data = s.startDataMode(maxBytes);
      const parts: Buffer[] = [];
      data.on('data', (c: Buffer) => parts.push(c));
      data.on('end', () => {
        seen.push(`message ${JSON.stringify(Buffer.concat(parts).toString('latin1'))} (${data.byteLength} bytes${data.sizeExceeded ? ', over the limit' : ''})`);
        // as SMTPConnection does once the reply is sent
        setImmediate(() => s.continue());
      });
    }
    // SMTPConnection answers a command and reads the next line later, not from inside this call.
    if (next) setImmediate(next);
  };
  const finished = new Promise((resolve) => s.once('finish', resolve));
  for (const c of chunks) s.write(c);
  s.end();
  await finished;
  return seen;
}


const PIECES = ['x', 'line of text', '.', '..', '...', '\r\n', '\n', '\r', '\r\n.', '\r\n..', '\r\n.\r\n', '.\r\n', '\r\n.x', '\n.', '\n..', 'DATA\r\n', 'NOOP\r\n'];

test('on random input cut at random places, the fast scan and smtp-server loop see the same commands and messages', async () => {
  assert.equal(await useFastUnstuffing(), true);
  const fast = SMTPStream.prototype._feedDataStream;
  for (let seed = 1; seed <= 600; seed++) {
    const next = seededRandom(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
    let text = '';
    for (let m = 0, messages = 1 + Math.floor(next() * 3); m < messages; m++) {
      text += 'MAIL FROM:<a@b>\r\nDATA\r\n';
      // sometimes a first line that is a lone (stuffed) dot, or the terminator at once
      if (next() < 0.1) text += pick(['..\r\n', '.\r\n', '..', '.']);
      for (let p = 0, n = Math.floor(next() * 40); p < n; p++) text += pick(PIECES);
      if (next() < 0.3) text += 'y'.repeat(Math.floor(next() * 3000)); // a long run without any dot
      text += '\r\n.\r\n';
    }
    text += 'QUIT\r\n';
    const bytes = Buffer.from(text, 'latin1');
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = next() < 0.3 ? 1 + Math.floor(next() * 4) : 1 + Math.floor(next() * 700);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    const limit = next() < 0.3 ? 1 + Math.floor(next() * 200) : undefined;
    assert.deepEqual(await events(fast, chunks, limit), await events(original, chunks, limit), `seed ${seed}`);
  }
});

test('unstuffing itself: a stuffed dot is removed, the final dot ends the message, a stuffed lone first dot does not end it', async () => {
  assert.equal(await useFastUnstuffing(), true);
  const fast = SMTPStream.prototype._feedDataStream;
  const wire = Buffer.from('DATA\r\n..\r\nbody\r\n..leading dot\r\n...\r\nend\r\n.\r\nQUIT\r\n', 'latin1');
  for (const chunks of [[wire], [...wire].map((b) => Buffer.from([b]))]) {
    assert.deepEqual(await events(fast, chunks), [
      'command "DATA"',
      `message ${JSON.stringify('.\r\nbody\r\n.leading dot\r\n..\r\nend\r\n')} (32 bytes)`,
      'command "QUIT"',
    ]);
  }
});
