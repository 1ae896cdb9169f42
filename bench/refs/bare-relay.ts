// The relay reference of SPEC section 10: a bare node:http server that reads and JSON.parses the send body,
// forwards the Resend JSON for it to the same fake over keep-alive, and answers with the provider's id.
// The ceiling any Node relay reaches here; the gateway's relay throughput is reported as a ratio of it.
// Own process; `UPSTREAM` is the fake's URL; prints {"url"} once listening.
import { Agent, createServer, request } from 'node:http';
import { serve } from './serve.js';

const upstream = new URL(process.env.UPSTREAM ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const API_KEY = process.env.API_KEY ?? 're_bench';

function forward(payload: string, done: (status: number, body: string) => void): void {
  const req = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      path: '/emails',
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${API_KEY}`, 'user-agent': 'bare-relay' },
    },
    (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.statusCode ?? 502, Buffer.concat(chunks).toString('utf8')));
    },
  );
  req.on('error', () => done(502, '{"error":"upstream"}'));
  req.end(payload);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let m: any;
    try {
      m = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
      return;
    }
    const payload = JSON.stringify({ from: m.from, to: m.to, cc: m.cc, bcc: m.bcc, subject: m.subject, text: m.body_text, html: m.body_html, reply_to: m.reply_to, headers: m.headers });
    forward(payload, (status, body) => {
      let id: unknown = null;
      try {
        id = JSON.parse(body).id;
      } catch {}
      const out = JSON.stringify({ status: status === 200 ? 'success' : 'failed', message_id: id });
      res.writeHead(status === 200 ? 200 : 502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
    });
  });
});
serve(server);
