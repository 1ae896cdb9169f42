// 413 for a body over the limit, answered so that the client can read it. A client that writes the whole
// body before reading (Python's urllib, Node's http without `Expect: 100-continue`) is still sending when the
// limit is hit; closing then makes the kernel reset the connection and the client loses the answer. So the
// rest of the body is read and thrown away first, up to a bound, and the 413 goes out after it.
import type { IncomingMessage } from 'node:http';

/** The whole JSON body is at most 10 MiB (SPEC section 2). */
export const BODY_LIMIT = 10 * 1024 * 1024;
/** How much is read and discarded at most before answering anyway (reading costs no memory, only time). */
export const DISCARD_MAX_BYTES = 32 * 1024 * 1024;
export const DISCARD_MAX_MS = 10_000;

export const TOO_LARGE = { detail: { message: `Request body too large: the limit is ${BODY_LIMIT} bytes (10 MiB)` } };

/** Reads what is left of the request and drops it; resolves once it ended or a bound was reached. */
export function discardRest(req: IncomingMessage, maxBytes = DISCARD_MAX_BYTES, maxMs = DISCARD_MAX_MS): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    req.on('data', onData).once('end', done).once('error', done).once('close', done);
    req.resume();
  });
}
