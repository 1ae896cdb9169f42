// A local HTTP server standing in for a provider API: records every request, answers what the test scripts.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** body parsed as JSON when it is JSON */
  readonly json: any;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** never answer (the client must time out) */
  hang?: boolean;
  /** answer after this long (work in flight when a gateway is killed) */
  delayMs?: number;
}

export type Responder = (req: RecordedRequest) => FakeReply;

export interface HttpFake {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** replace how the fake answers; default 200 `{}` */
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startHttpFake(responder: Responder = () => ({ status: 200, body: {} })): Promise<HttpFake> {
  const requests: RecordedRequest[] = [];
  let answer = responder;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = body.length ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      requests.push(recorded);
      const reply = answer(recorded);
      if (reply.hang) return;
      const isText = typeof reply.body === 'string';
      const answerNow = () => {
        res.writeHead(reply.status, { 'content-type': isText ? 'text/plain' : 'application/json', ...reply.headers });
        res.end(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body));
      };
      if (reply.delayMs) setTimeout(answerNow, reply.delayMs);
      else answerNow();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(r) {
      answer = r;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
