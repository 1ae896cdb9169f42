// Config endpoints: read (masked), replace, provider CRUD, routing, verify, and the provider type catalogue.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ProviderConfig } from '../../core/provider.js';
import type { ConfigStore } from '../../config/store.js';
import { ConfigValidationError } from '../../config/store.js';
import type { AppConfig, FieldError } from '../../config/types.js';
import { cleanErrorText, collectSecrets, keepStoredSecrets, maskConfig, maskProvider, rebindErrors, scrub } from '../../config/secrets.js';
import { secretPolicyErrors } from '../../config/secret-policy.js';
import { checkUnique, validateProvider, validateRouting } from '../../config/validate.js';
import { providerDefinitions } from '../../providers/registry.js';
import type { ProviderPool } from '../../providers/pool.js';
import { ErrorBody, ValidationErrorBody } from '../schemas.js';
import { NotFoundError } from '../errors.js';

const AnyObject = Type.Object({}, { additionalProperties: true });
const ProviderBody = Type.Object(
  { name: Type.String(), type: Type.String(), enabled: Type.Optional(Type.Boolean()), weight: Type.Optional(Type.Integer()), timeout_ms: Type.Optional(Type.Integer()), base_url: Type.Optional(Type.String()) },
  { additionalProperties: true, description: 'A provider: common fields plus the fields of its type (see GET /api/provider-types)' },
);
const RoutingBody = Type.Object({
  mode: Type.Optional(Type.Union([Type.Literal('smart'), Type.Literal('manual')])),
  sandbox: Type.Optional(Type.Boolean()),
  rules: Type.Optional(Type.Array(AnyObject)),
});
const IdParams = Type.Object({ id: Type.String() });
const ProviderAnswer = Type.Object({ message: Type.String(), provider: AnyObject });
const read = { scope: 'read' } as const;
const admin = { scope: 'admin' } as const;
const errors = { 404: ErrorBody, 409: ErrorBody, 422: ValidationErrorBody };

const body = (loc: (string | number)[]) => ['body', ...loc];
const invalid = (errs: FieldError[]) => new ConfigValidationError(errs.map((e) => ({ ...e, loc: e.loc[0] === 'body' ? e.loc.slice(1) : e.loc })));

export function configRoutes(app: FastifyInstance, config: ConfigStore, pool: ProviderPool): void {
  const find = (id: string): ProviderConfig => {
    const p = config.current().providers.find((x) => x.id === id);
    if (!p) throw new NotFoundError(`Provider not found: ${id}`);
    return p;
  };
  const checked = (input: unknown, providers: readonly ProviderConfig[], index: number): ProviderConfig => {
    const errs: FieldError[] = [];
    const p = validateProvider(input, [], errs);
    if (!p) throw invalid(errs.map((e) => ({ ...e, loc: body(e.loc) })));
    const next = [...providers];
    next[index] = p;
    checkUnique(next, errs);
    if (errs.length) throw invalid(errs.map((e) => ({ ...e, loc: body(e.loc.slice(2)) })));
    return p;
  };

  app.get('/api/config', { config: read, schema: { tags: ['config'], summary: 'The config in force, secrets masked' } }, () => maskConfig(config.current()));

  app.put<{ Body: Record<string, unknown> }>(
    '/api/config',
    { config: admin, schema: { tags: ['config'], summary: 'Replace the whole config (the only write allowed while config.json is broken)', body: AnyObject, response: errors } },
    async (req) => {
      const incoming = req.body;
      const current = config.current();
      // Masked secrets sent back keep the stored ones, matched by provider id.
      const providers = Array.isArray(incoming.providers)
        ? incoming.providers.map((p: any) => (p && typeof p === 'object' ? keepStoredSecrets(p, current.providers.find((s) => s.id === p.id)) : p))
        : incoming.providers;
      const sent = (i: number): Record<string, unknown> => (Array.isArray(incoming.providers) ? incoming.providers[i] : {}) ?? {};
      const saved = await config.update(() => ({ ...(incoming as any), providers }), {
        replace: true,
        check: (next, base) =>
          next.providers.flatMap((p, i) => [
            ...rebindErrors(sent(i), p, base.providers.find((s) => s.id === p.id), ['providers', i]),
            ...secretPolicyErrors(p, ['providers', i]),
          ]),
      });
      return maskConfig(saved);
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/api/config/providers',
    { config: admin, schema: { tags: ['config'], summary: 'Add a provider', body: ProviderBody, response: { 201: ProviderAnswer, ...errors } } },
    async (req, reply) => {
      let added!: ProviderConfig;
      await config.update(
        (c) => {
          added = checked(req.body, c.providers, c.providers.length);
          return { ...c, providers: [...c.providers, added] };
        },
        { check: () => secretPolicyErrors(added, []) },
      );
      return reply.code(201).send({ message: `Provider ${added.name} added`, provider: maskProvider(added) });
    },
  );

  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/config/providers/:id',
    { config: admin, schema: { tags: ['config'], summary: 'Update a provider (omitted or masked secrets are kept, unless the write changes where they are sent)', params: IdParams, body: AnyObject, response: { 200: ProviderAnswer, ...errors } } },
    async (req) => {
      let updated!: ProviderConfig;
      let stored!: ProviderConfig;
      await config.update(
        (c) => {
          const index = c.providers.findIndex((p) => p.id === req.params.id);
          if (index < 0) throw new NotFoundError(`Provider not found: ${req.params.id}`);
          stored = c.providers[index];
          const sameType = req.body.type === undefined || req.body.type === stored.type;
          const merged = sameType ? { ...stored, ...req.body } : { ...req.body };
          updated = checked(keepStoredSecrets({ ...merged, id: stored.id }, stored), c.providers, index);
          return { ...c, providers: c.providers.map((p, i) => (i === index ? updated : p)) };
        },
        { check: () => [...rebindErrors(req.body, updated, stored, []), ...secretPolicyErrors(updated, [])] },
      );
      return { message: `Provider ${updated.name} updated`, provider: maskProvider(updated) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/config/providers/:id',
    { config: admin, schema: { tags: ['config'], summary: 'Delete a provider (and drop it from routing rules)', params: IdParams, response: errors } },
    async (req) => {
      await config.update((c) => {
        if (!c.providers.some((p) => p.id === req.params.id)) throw new NotFoundError(`Provider not found: ${req.params.id}`);
        const rules = c.routing.rules
          .map((r) => ({ ...r, providers: r.providers.filter((id) => id !== req.params.id) }))
          .filter((r) => r.providers.length > 0);
        return { ...c, providers: c.providers.filter((p) => p.id !== req.params.id), routing: { ...c.routing, rules } };
      });
      return { message: `Provider ${req.params.id} deleted` };
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/api/config/routing',
    { config: admin, schema: { tags: ['config'], summary: 'Set routing mode, sandbox and rules', body: RoutingBody, response: errors } },
    async (req) => {
      const saved = await config.update((c) => {
        const errs: FieldError[] = [];
        const routing = validateRouting({ ...c.routing, ...req.body }, [], new Set(c.providers.map((p) => p.id)), errs);
        if (!routing) throw invalid(errs.map((e) => ({ ...e, loc: body(e.loc) })));
        return { ...c, routing };
      });
      return { message: 'Routing updated', routing: saved.routing };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/config/providers/:id/verify',
    {
      config: admin,
      schema: {
        tags: ['config'],
        summary: 'Check a provider’s credentials/connectivity without sending',
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Boolean(), checked: Type.String(), error: Type.Optional(Type.String()) }), 404: ErrorBody },
      },
    },
    async (req) => {
      const p = find(req.params.id);
      const result = await pool.get(p).verify(AbortSignal.timeout(p.timeout_ms ?? 10_000));
      // What the provider answered goes back to the client: never with a secret in it.
      const secrets = collectSecrets(config.current());
      return { ...result, checked: scrub(result.checked, secrets), ...(result.error !== undefined && { error: cleanErrorText(result.error, secrets) }) };
    },
  );

  app.get('/api/provider-types', { config: read, schema: { tags: ['config'], summary: 'Provider types and their fields (for forms)' } }, () => ({
    types: providerDefinitions.map((d) => ({ type: d.type, label: d.label, default_base_url: d.defaultBaseUrl, fields: d.fields })),
  }));
}

export type { AppConfig };
