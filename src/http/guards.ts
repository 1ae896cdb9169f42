// Without a token, the DNS-rebinding guard on the Host header.
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';

// `name` or `[v6]`, then an optional `:port`. The classes exclude `:` and `]`, so matching is linear.
const HOST = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/;
const LABEL = /^[a-z0-9-]+$/;

/** `localhost` and its subdomains (RFC 6761: they never leave the machine). */
const isLocalhostName = (name: string) =>
  name === 'localhost' || (name.endsWith('.localhost') && name.slice(0, -'.localhost'.length).split('.').every((l) => LABEL.test(l)));

/**
 * Exactly a loopback name or address, optionally with a port: `localhost`, `*.localhost`, 127.0.0.0/8, `[::1]`.
 * Anything around them (`[::1]evil.com`, `127.0.0.1.evil.com`, `localhost.evil.com:80`) is not loopback.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  const m = host === undefined ? null : HOST.exec(host.trim().toLowerCase());
  if (!m) return false;
  const [, v6, name, port] = m;
  if (port !== undefined && Number(port) > 65535) return false;
  if (v6 !== undefined) return isIP(v6) === 6 && isLoopbackV6(v6);
  if (isIP(name) === 4) return name.startsWith('127.');
  return isLocalhostName(name);
}

/** `::1` in any spelling (`0:0:0:0:0:0:0:1`, `0::1`): the URL parser normalises it. */
function isLoopbackV6(address: string): boolean {
  try {
    return new URL(`http://[${address}]/`).hostname === '[::1]';
  } catch {
    return false;
  }
}

/** Without a token, a page on another origin could reach us through DNS rebinding: refuse foreign Host names. */
export function installHostGuard(app: FastifyInstance, token: string | undefined): void {
  if (token) return;
  // Callback-style hooks here and below: an async hook costs every request a promise even when it does nothing.
  app.addHook('onRequest', (req, reply, done) => {
    if (isLoopbackHost(req.headers.host)) return done();
    reply.code(421).send({
      detail: { message: 'Misdirected request: this gateway answers only to loopback host names (localhost, 127.0.0.1, ::1) unless AUTH_TOKEN is set.' },
    });
  });
}
