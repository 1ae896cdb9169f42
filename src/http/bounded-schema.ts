// Validation stops at a field's first limit. Ajv with `allErrors` checks every keyword of every item, so an
// array far over `maxItems` would still get one error per item, and a string over `maxLength` would still run
// its `pattern` and `format`. Rewritten for the validator only (the OpenAPI document keeps the schema as
// written), a node with a limit becomes `if <limit> then <everything else> else <limit>`: over the limit, the
// one limit error is all Ajv reports, and nothing inside the value is looked at.

const LIMITS = ['maxItems', 'maxLength', 'maxProperties'] as const;

/** Keywords whose value is a schema, a list of schemas, or a map of name → schema. */
const ONE = new Set(['items', 'additionalItems', 'additionalProperties', 'propertyNames', 'contains', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties']);
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const MAP = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);

type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => !!v && typeof v === 'object' && !Array.isArray(v);

function mapValues(map: unknown): unknown {
  if (!isSchema(map)) return map;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, bounded(v)]));
}

/** A copy of `schema` in which every limit guards the rest of its node. */
export function bounded(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  const node: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ONE.has(key)) node[key] = Array.isArray(value) ? value.map(bounded) : bounded(value);
    else if (LIST.has(key)) node[key] = Array.isArray(value) ? value.map(bounded) : value;
    else if (MAP.has(key)) node[key] = mapValues(value);
    else node[key] = value;
  }
  const limit: Schema = {};
  for (const key of LIMITS) {
    if (key in node) {
      limit[key] = node[key];
      delete node[key];
    }
  }
  if (!Object.keys(limit).length) return node;
  return { if: limit, then: node, else: limit };
}
