// The throughput reference of SPEC section 10: a bare node:http server that reads the body, JSON.parses it
// and answers 200. Run as its own process (like the gateway); prints {"url"} once listening.
import { createServer } from 'node:http';
import { serve } from './serve.js';

const OK = JSON.stringify({ status: 'ok' });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(OK) }).end(OK);
  });
});
serve(server);
