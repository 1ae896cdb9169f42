// Authentication and scope checks for every route, in one place. Each route declares its scope next to its
// schema (`config: { scope }`); a route under a protected path that declares none stops the server from
// starting, so a new route cannot be forgotten. The OpenAPI document shows each route's scope (`x-scope`).
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { allows, scopeRefusal, type Credentials, type Principal, type RouteScope } from '../auth/credentials.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** who may call the route; required under the protected paths */
    scope?: RouteScope;
    /** where the route's clients put the credential when not in `Authorization: Bearer` (Postmark's X-Postmark-Server-Token) */
    credentialOf?: (req: FastifyRequest) => string | undefined;
    /**
     * the route's own scope checks `scope` and answers in its own error shape (the drop-in APIs): this hook
     * leaves it alone, but the OpenAPI document still shows `scope`
     */
    ownAuth?: boolean;
  }
  interface FastifyRequest {
    /** who made the request; null when no AUTH_TOKEN is configured or the route is public */
    principal: Principal | null;
  }
}

const UNAUTHORIZED = { detail: { message: 'Unauthorized. Provide a valid Bearer token in the Authorization header.' } };

/** The API, metrics and the drop-in APIs (SPEC 13) need a credential; health, the dashboard and the docs do not. */
const PROTECTED_PREFIXES = ['/api', '/metrics', '/emails', '/email', '/v3'];
export const isProtectedPath = (path: string) => PROTECTED_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

const SCOPE_TEXT: Record<RouteScope, string> = {
  public: 'no credential needed',
  send: 'a `send`, `admin` key or AUTH_TOKEN',
  read: 'a `read`, `admin` key or AUTH_TOKEN',
  admin: 'an `admin` key or AUTH_TOKEN',
  token: 'AUTH_TOKEN only (no API key)',
  any: 'any valid credential',
};

export function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = h && /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1].trim() : undefined;
}

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

/** Refuses a protected route without a scope, and writes the scope into its OpenAPI operation. */
function declareScope(route: RouteOptions): void {
  const scope = route.config?.scope;
  if (!scope) {
    if (isProtectedPath(route.url)) throw new Error(`route ${route.method} ${route.url} declares no scope (config: { scope })`);
    return;
  }
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  if (schema['x-scope']) return; // HEAD routes share the GET route's schema object
  schema['x-scope'] = scope;
  schema.description = [schema.description, `Scope: ${SCOPE_TEXT[scope]}.`].filter(Boolean).join('\n\n');
  if (scope === 'public') schema.security = [];
}

export function installAuth(app: FastifyInstance, credentials: Credentials): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', declareScope);
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'OPTIONS' || !credentials.required) return;
    // An unmatched path under the API still needs some credential, so its 404 tells an anonymous caller nothing.
    const scope = req.routeOptions.config?.scope ?? (isProtectedPath(routedPath(req)) ? 'unmatched' : 'public');
    if (scope === 'public' || req.routeOptions.config?.ownAuth) return;
    const principal = await credentials.resolve(req.routeOptions.config?.credentialOf?.(req) ?? bearerOf(req));
    if (!principal) return reply.code(401).header('www-authenticate', 'Bearer').send(UNAUTHORIZED);
    if (scope !== 'unmatched' && !allows(principal, scope)) return reply.code(403).send({ detail: { message: scopeRefusal(principal) } });
    req.principal = principal;
  });
}
