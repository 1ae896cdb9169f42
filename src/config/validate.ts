// Validation of config.json and of the config endpoints' input, driven by the provider registry's field specs.
import { randomBytes } from 'node:crypto';
import type { ProviderConfig } from '../core/provider.js';
import { definitionOf, providerDefinitions } from '../providers/registry.js';
import type { AppConfig, FieldError, RoutingConfig, RoutingRule } from './types.js';

type Loc = (string | number)[];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const err = (loc: Loc, msg: string, type: string): FieldError => ({ loc, msg, type });

const COMMON = new Set(['id', 'name', 'type', 'enabled', 'weight', 'timeout_ms', 'base_url', 'allow_insecure']);

export function generateProviderId(type: string): string {
  return `${type.replace(/_/g, '-')}-${randomBytes(3).toString('hex')}`;
}

/** Checks one provider entry and returns it normalised (defaults filled in). */
export function validateProvider(input: unknown, loc: Loc, errors: FieldError[]): ProviderConfig | undefined {
  if (!isObject(input)) {
    errors.push(err(loc, 'Provider must be an object', 'object_type'));
    return undefined;
  }
  const before = errors.length;
  const type = input.type;
  const def = typeof type === 'string' ? definitionOf(type) : undefined;
  if (!def) {
    const known = providerDefinitions.map((d) => d.type).join(', ');
    errors.push(err([...loc, 'type'], `Unknown provider type; expected one of: ${known}`, 'enum'));
    return undefined;
  }
  const out: Record<string, unknown> = {};
  const str = (key: string, required: boolean) => {
    const v = input[key];
    if (v === undefined || v === null || v === '') {
      if (required) errors.push(err([...loc, key], 'Field required', 'missing'));
      return;
    }
    if (typeof v !== 'string') errors.push(err([...loc, key], 'Input should be a valid string', 'string_type'));
    else if (/[\r\n]/.test(v)) errors.push(err([...loc, key], 'Must not contain CR or LF', 'value_error'));
    else out[key] = v;
  };
  const int = (key: string, min: number, max: number, fallback?: number) => {
    const v = input[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) out[key] = fallback;
      return;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      errors.push(err([...loc, key], `Input should be an integer from ${min} to ${max}`, 'int_range'));
    } else out[key] = v;
  };
  const bool = (key: string, fallback?: boolean) => {
    const v = input[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) out[key] = fallback;
    } else if (typeof v !== 'boolean') errors.push(err([...loc, key], 'Input should be a valid boolean', 'bool_type'));
    else out[key] = v;
  };

  str('id', false);
  str('name', true);
  out.type = def.type;
  bool('enabled', true);
  int('weight', 0, 100, 100);
  int('timeout_ms', 100, 600_000);
  // Opt-in to secrets over plain HTTP / SMTP without TLS to a non-loopback host (secret-policy.ts).
  bool('allow_insecure');
  if (def.defaultBaseUrl) {
    str('base_url', false);
    if (typeof out.base_url === 'string' && !/^https?:\/\/[^\s]+$/.test(out.base_url)) {
      errors.push(err([...loc, 'base_url'], 'Must be an http(s) URL', 'url_parsing'));
    }
  }
  for (const f of def.fields) {
    if (f.kind === 'string') str(f.name, !!f.required);
    else if (f.kind === 'integer') int(f.name, 0, 65_535, f.default as number | undefined);
    else bool(f.name, f.default as boolean | undefined);
  }
  if (out.smtp_use_tls === true && out.smtp_use_ssl === true) {
    errors.push(err([...loc, 'smtp_use_ssl'], 'smtp_use_tls (STARTTLS) and smtp_use_ssl (implicit TLS) cannot both be true', 'value_error'));
  }
  const known = new Set([...COMMON, ...def.fields.map((f) => f.name)]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) errors.push(err([...loc, key], `Unknown field for type ${def.type}`, 'extra_forbidden'));
  }
  if (errors.length > before) return undefined;
  out.id ??= generateProviderId(def.type);
  return out as ProviderConfig;
}

function validateRule(input: unknown, loc: Loc, ids: Set<string>, errors: FieldError[]): RoutingRule | undefined {
  if (!isObject(input) || !isObject(input.match)) {
    errors.push(err([...loc, 'match'], 'Rule needs a match object', 'missing'));
    return undefined;
  }
  const m = input.match;
  const match: Record<string, unknown> = {};
  for (const key of ['to_domain', 'from_domain'] as const) {
    if (m[key] === undefined) continue;
    if (typeof m[key] !== 'string' || !m[key]) errors.push(err([...loc, 'match', key], 'Input should be a domain name', 'string_type'));
    else match[key] = (m[key] as string).toLowerCase().replace(/^@/, '');
  }
  if (m.tag !== undefined) {
    const ok = isObject(m.tag) && Object.values(m.tag).every((v) => typeof v === 'string') && Object.keys(m.tag).length > 0;
    if (!ok) errors.push(err([...loc, 'match', 'tag'], 'Input should be an object {key: value}', 'dict_type'));
    else match.tag = m.tag;
  }
  for (const key of Object.keys(m)) {
    if (!['to_domain', 'from_domain', 'tag'].includes(key)) errors.push(err([...loc, 'match', key], 'Unknown match key', 'extra_forbidden'));
  }
  if (!Array.isArray(input.providers) || input.providers.length === 0) {
    errors.push(err([...loc, 'providers'], 'Input should be a non-empty list of provider ids', 'list_type'));
    return undefined;
  }
  input.providers.forEach((id, i) => {
    if (typeof id !== 'string' || !ids.has(id)) errors.push(err([...loc, 'providers', i], `Unknown provider id: ${String(id)}`, 'value_error'));
  });
  return { match, providers: input.providers as string[] };
}

export function validateRouting(input: unknown, loc: Loc, providerIds: Set<string>, errors: FieldError[]): RoutingConfig | undefined {
  if (!isObject(input)) {
    errors.push(err(loc, 'Routing must be an object', 'dict_type'));
    return undefined;
  }
  const before = errors.length;
  const mode = input.mode ?? 'smart';
  if (mode !== 'smart' && mode !== 'manual') errors.push(err([...loc, 'mode'], "Input should be 'smart' or 'manual'", 'enum'));
  const sandbox = input.sandbox ?? false;
  if (typeof sandbox !== 'boolean') errors.push(err([...loc, 'sandbox'], 'Input should be a valid boolean', 'bool_type'));
  const rulesIn = input.rules ?? [];
  const rules: RoutingRule[] = [];
  if (!Array.isArray(rulesIn)) errors.push(err([...loc, 'rules'], 'Input should be a valid list', 'list_type'));
  else rulesIn.forEach((r, i) => {
    const rule = validateRule(r, [...loc, 'rules', i], providerIds, errors);
    if (rule) rules.push(rule);
  });
  if (errors.length > before) return undefined;
  return { mode: mode as 'smart' | 'manual', sandbox: sandbox as boolean, rules };
}

/** Validates a whole config (PUT /api/config or the file on disk). */
export function validateConfig(input: unknown): { config?: AppConfig; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!isObject(input)) return { errors: [err([], 'Config must be a JSON object', 'dict_type')] };
  const providers: ProviderConfig[] = [];
  if (!Array.isArray(input.providers ?? [])) errors.push(err(['providers'], 'Input should be a valid list', 'list_type'));
  else ((input.providers as unknown[]) ?? []).forEach((p, i) => {
    const v = validateProvider(p, ['providers', i], errors);
    if (v) providers.push(v);
  });
  checkUnique(providers, errors);
  const routing = validateRouting(input.routing ?? {}, ['routing'], new Set(providers.map((p) => p.id)), errors);
  const version = input.version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    errors.push(err(['version'], 'Input should be a non-negative integer', 'int_type'));
  }
  if (errors.length || !routing) return { errors };
  return { config: { providers, routing, version: version as number }, errors };
}

/** Provider ids and names are unique: ids are what rules and logs point at, names what people read. */
export function checkUnique(providers: readonly ProviderConfig[], errors: FieldError[]): void {
  const ids = new Set<string>();
  const names = new Set<string>();
  providers.forEach((p, i) => {
    if (ids.has(p.id)) errors.push(err(['providers', i, 'id'], `Duplicate provider id: ${p.id}`, 'value_error'));
    if (names.has(p.name)) errors.push(err(['providers', i, 'name'], `Duplicate provider name: ${p.name}`, 'value_error'));
    ids.add(p.id);
    names.add(p.name);
  });
}
