// The JSON body's shape is bounded before it is parsed: depth and number of values, in one scan of the bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_MEMBERS, MAX_JSON_VALUES } from '../../src/http/json-body.js';

test('jsonShapeProblem: depth and value count, with brackets and commas inside strings ignored', () => {
  const deep = (n: number) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`);
  assert.equal(jsonShapeProblem(deep(MAX_JSON_DEPTH)), undefined);
  assert.match(jsonShapeProblem(deep(MAX_JSON_DEPTH + 1))!, /deeper than 32/);
  const values = (n: number) => Buffer.from(`[${Array(n).fill(1).join(',')}]`);
  assert.equal(jsonShapeProblem(values(MAX_JSON_VALUES - 1)), undefined);
  assert.match(jsonShapeProblem(values(MAX_JSON_VALUES + 1))!, /more than 100000 values/);
  const members = (n: number) => Buffer.from(`{${Array.from({ length: n }, (_, i) => `"k${i}":[1,2]`).join(',')}}`);
  assert.equal(jsonShapeProblem(members(MAX_JSON_MEMBERS)), undefined);
  assert.match(jsonShapeProblem(members(MAX_JSON_MEMBERS + 1))!, /more than 10000 members/);
  // Commas between array items inside an object's value are not members.
  assert.equal(jsonShapeProblem(Buffer.from(`{"a":[${Array(50_000).fill(1).join(',')}]}`)), undefined);
  // Structure characters inside strings, escaped quotes and multi-byte text do not count.
  const text = Buffer.from(JSON.stringify({ s: `${'[,{'.repeat(200_000)}\\"[[[ ✉ 𝄞` }));
  assert.equal(jsonShapeProblem(text), undefined);
});
