// Bearer-token auth (constant-time) and, without a token, the DNS-rebinding guard on the Host header.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const UNAUTHORIZED = { detail: { message: 'Unauthorized. Provide a valid Bearer token in the Authorization header.' } };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares digests, so neither the length nor a prefix of the token leaks through timing. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

export function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = h && /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1].trim() : undefined;
}

/** The API and metrics need the token; health, the dashboard's static files and the docs do not. */
const isProtected = (path: string) => (path.startsWith('/api/') && path !== '/api/health') || path === '/metrics';

/**
 * The path as routing matched it, not the raw URL: the router percent-decodes, so `/%61pi/logs` reaches
 * `/api/logs` and a check on the raw text would wave it through.
 */
function routedPath(req: FastifyRequest): string {
  const pattern = req.routeOptions.url;
  if (pattern) return pattern;
  const raw = req.url.split('?')[0].split(';')[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function installAuth(app: FastifyInstance, token: string | undefined): void {
  if (!token) return;
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS' || !isProtected(routedPath(req))) return;
    if (!tokenMatches(token, bearerOf(req))) {
      return reply.code(401).header('www-authenticate', 'Bearer').send(UNAUTHORIZED);
    }
  });
}

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
