// The schema rewrite for the validator: a limit guards everything else in its node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { bounded } from '../../src/http/bounded-schema.js';
import { SendBody } from '../../src/http/schemas.js';

test('bounded: every limit becomes `if limit then rest else limit`, nested schemas included; the input is not changed', () => {
  const schema = {
    type: 'object',
    properties: {
      list: { type: 'array', maxItems: 2, items: { type: 'string', maxLength: 3, pattern: '^a' } },
      map: { type: 'object', maxProperties: 1, propertyNames: { maxLength: 4 }, additionalProperties: { type: 'string' } },
    },
  };
  const copy = structuredClone(schema);
  assert.deepEqual(bounded(schema), {
    type: 'object',
    properties: {
      list: {
        if: { maxItems: 2 },
        then: { type: 'array', items: { if: { maxLength: 3 }, then: { type: 'string', pattern: '^a' }, else: { maxLength: 3 } } },
        else: { maxItems: 2 },
      },
      map: {
        if: { maxProperties: 1 },
        then: { type: 'object', propertyNames: { if: { maxLength: 4 }, then: {}, else: { maxLength: 4 } }, additionalProperties: { type: 'string' } },
        else: { maxProperties: 1 },
      },
    },
  });
  assert.deepEqual(schema, copy);
});

test('with allErrors, an over-limit value yields only its limit error: no per-item, pattern or format errors', () => {
  let formatRuns = 0;
  const ajv = new Ajv({ allErrors: true, strict: false, formats: { counted: { type: 'string', validate: () => (formatRuns++, false) } } });
  const validate = ajv.compile(bounded({ type: 'array', maxItems: 3, items: { type: 'string', maxLength: 5, format: 'counted' } }) as object);
  assert.equal(validate(Array.from({ length: 10_000 }, () => 1)), false);
  assert.deepEqual(validate.errors!.filter((e) => e.keyword !== 'if').map((e) => [e.keyword, e.instancePath]), [['maxItems', '']]);
  assert.equal(validate(['x'.repeat(100_000)]), false);
  assert.deepEqual(validate.errors!.filter((e) => e.keyword !== 'if').map((e) => [e.keyword, e.instancePath]), [['maxLength', '/0']]);
  assert.equal(formatRuns, 0, 'the format never ran on an over-long string');
  assert.equal(validate(['short']), false);
  assert.equal(formatRuns, 1);
});

test('the send body schema, bounded, still accepts a valid email and refuses what it refused', () => {
  const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(bounded(SendBody) as object);
  assert.equal(validate({ from: 'a@example.com', to: ['b@example.org'], subject: 'Hi', body_text: 'x' }), true, JSON.stringify(validate.errors));
  assert.equal(validate({ from: 'a@example.com', to: [], subject: 'Hi' }), false);
  assert.equal(validate({ from: 'a@example.com', to: ['b@example.org'], subject: 'a\nb' }), false);
});
