// A local stand-in for the Resend API (POST /emails → 200 {"id"}), for the relay benchmark: the gateway
// relays to it, and autocannon hits it directly as the reference. Reads and parses the body like the
// real API would. Own process; prints {"url"} once listening; counts what it accepted (GET /count).
import { createServer } from 'node:http';
import { serve } from './serve.js';

let accepted = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let ok = req.method === 'POST' && req.url === '/emails';
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      ok = false;
    }
    if (!ok) {
      res.writeHead(422, { 'content-type': 'application/json' }).end('{"statusCode":422,"name":"validation_error","message":"bad request"}');
      return;
    }
    accepted++;
    const body = JSON.stringify({ id: `fake-${process.pid}-${accepted}` });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
serve(server);
