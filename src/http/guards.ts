// Without a token, the DNS-rebinding guard on the Host header.
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'));
  else if (name.lastIndexOf(':') > -1 && isIP(name) !== 6) name = name.slice(0, name.lastIndexOf(':'));
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1' || name === '0:0:0:0:0:0:0:1';
}

/** Without a token, a page on another origin could reach us through DNS rebinding: refuse foreign Host names. */
export function installHostGuard(app: FastifyInstance, token: string | undefined): void {
  if (token) return;
  app.addHook('onRequest', async (req, reply) => {
    if (!isLoopbackHost(req.headers.host)) {
      return reply.code(421).send({
        detail: { message: 'Misdirected request: this gateway answers only to loopback host names (localhost, 127.0.0.1, ::1) unless AUTH_TOKEN is set.' },
      });
    }
  });
}
