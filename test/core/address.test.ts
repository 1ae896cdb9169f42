// The address fast path (bare and plain-name addresses without the tokenizer) must give exactly what
// nodemailer's addressparser path gives, for every input it accepts.
import { test } from 'node:test';
import { seededRandom } from '../support/random.js';
import assert from 'node:assert/strict';
import { parseAddress, parsePlainAddress, tokenizedAddress } from '../../src/core/message.js';

test('the fast path agrees with the tokenizer on 200 000 random near-addresses', () => {
  const random = seededRandom(42);
  const alphabet = "ab .-_'Zé9 <>@x\"(),;:\\[]!#+=?~";
  let accepted = 0;
  for (let i = 0; i < 200_000; i++) {
    let s = '';
    const n = 1 + Math.floor(random() * 16);
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
    if (random() < 0.5) s += ' <ab@cd.example>';
    const fast = parsePlainAddress(s);
    if (!fast) continue;
    accepted++;
    assert.deepEqual(fast, tokenizedAddress(s), JSON.stringify(s));
  }
  assert.ok(accepted > 2_000, `the fast path took ${accepted} inputs`);
});

test('the common forms take the fast path; anything else still goes through the tokenizer', () => {
  assert.deepEqual(parsePlainAddress('sender@bench.test'), { address: 'sender@bench.test' });
  assert.deepEqual(parsePlainAddress('Bench Sender <sender@bench.test>'), { address: 'sender@bench.test', name: 'Bench Sender' });
  assert.equal(parsePlainAddress('"Quoted, Name" <q@example.com>'), undefined);
  assert.deepEqual(parseAddress('"Quoted, Name" <q@example.com>'), { address: 'q@example.com', name: 'Quoted, Name' });
  assert.equal(parseAddress('a@b.c, d@e.f'), undefined, 'two addresses');
  assert.equal(parseAddress('Name <a@b.c>\r\nBcc: x@y.z'), undefined, 'header injection');
});
