// GET /api/whoami: what the presented credential may do, so a client (the dashboard) can show a read-only
// view to a `read` key instead of letting its writes fail.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Credentials } from '../../auth/credentials.js';

const WhoAmI = Type.Object({
  auth_required: Type.Boolean({ description: 'AUTH_TOKEN is configured' }),
  credential: Type.Union([Type.Literal('AUTH_TOKEN'), Type.Literal('key'), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()], { description: "the key's name, AUTH_TOKEN, or null without auth" }),
  scope: Type.Union(['all', 'send', 'read', 'admin'].map((s) => Type.Literal(s)), { description: '`all`: the token, or no auth configured' }),
});

export function whoamiRoutes(app: FastifyInstance, credentials: Credentials): void {
  app.get('/api/whoami', { config: { scope: 'any' }, schema: { tags: ['keys'], summary: 'The calling credential and its scope', response: { 200: WhoAmI } } }, (req) => {
    const p = req.principal;
    if (!p) return { auth_required: credentials.required, credential: null, name: null, scope: 'all' };
    if (p.kind === 'token') return { auth_required: true, credential: 'AUTH_TOKEN', name: p.name, scope: 'all' };
    return { auth_required: true, credential: 'key', name: p.name, scope: p.scope };
  });
}
