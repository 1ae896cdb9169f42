// Cross-site request forgery (SPEC 9): a write from another site's page is refused whatever it carries.
// Browsers send `Origin` on cross-origin POST/PUT/DELETE (also in `no-cors` mode) and `Sec-Fetch-Site`;
// non-browser clients send neither and are unaffected.
import type { FastifyInstance, FastifyRequest } from 'fastify';

const WRITES = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** `scheme://host[:port]` lower-cased, the default port dropped; undefined when not an origin. */
function normalOrigin(value: string): string | undefined {
  if (value.length > 2048) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

function crossSite(req: FastifyRequest, allowed: ReadonlySet<string>): boolean {
  if (String(req.headers['sec-fetch-site'] ?? '').toLowerCase() === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const normal = normalOrigin(origin);
  // `null` (sandboxed frames, file:) and anything unparsable are foreign.
  if (!normal) return true;
  if (allowed.has(normal)) return false;
  // Our own origin: the host the request was addressed to, over http or https (a TLS proxy in front).
  return new URL(normal).host !== String(req.headers.host ?? '').toLowerCase();
}

export function installCsrfGuard(app: FastifyInstance, corsOrigins: readonly string[] = []): void {
  const allowed = new Set(corsOrigins.map(normalOrigin).filter((o): o is string => Boolean(o)));
  app.addHook('onRequest', (req, reply, done) => {
    if (!WRITES.has(req.method) || !crossSite(req, allowed)) return done();
    reply.code(403).send({ detail: { message: 'Cross-site request refused: this origin may not write to the gateway' } });
  });
}
