// DeliveryQueue conformance: claims with leases, renewal, release, orphan reclaim (never of a live lease),
// due times and depth. Lease clocks are driven through the `now` arguments: no sleeping.
import assert from 'node:assert/strict';
import { createMessage } from '../../src/core/message.js';
import { storeTest } from './backends.js';

const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 'queued', body_text: 't' });
const MINUTE = 60_000;

storeTest('claim takes due queued email oldest first, leaves future email, and marks it sending', async ({ stores }) => {
  const now = Date.now();
  const later = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now + MINUTE, deliveryKey: 'dk-later' });
  const second = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now - 10, deliveryKey: 'dk-2' });
  const first = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now - 20, deliveryKey: 'dk-1' });
  assert.equal(await stores.queue.depth(), 3);
  assert.equal(await stores.queue.nextDueAt(), now - 20);
  const one = await stores.queue.claim('a', 10 * MINUTE, 1, now);
  assert.deepEqual(one.map((e) => e.id), [first]);
  assert.equal(one[0].deliveryKey, 'dk-1');
  assert.equal(one[0].rounds, 0);
  assert.equal(one[0].message.subject, 'queued');
  assert.equal((await stores.log.summary(first))?.status, 'sending');
  assert.deepEqual((await stores.queue.claim('a', 10 * MINUTE, 10, now)).map((e) => e.id), [second]);
  assert.deepEqual(await stores.queue.claim('a', MINUTE, 10, now), [], 'nothing else is due');
  assert.equal(await stores.queue.depth(), 3, 'in flight still counts');
  assert.deepEqual((await stores.queue.claim('a', MINUTE, 10, now + MINUTE)).map((e) => e.id), [later]);
});

storeTest('a live lease is never taken; an expired one is reclaimed by another owner', async ({ stores }) => {
  const now = Date.now();
  const id = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now });
  assert.equal((await stores.queue.claim('a', 1000, 10, now)).length, 1);
  assert.deepEqual(await stores.queue.claim('b', 1000, 10, now + 999), [], 'lease still live');
  assert.equal(await stores.queue.nextDueAt(), now + 1000, 'the lease expiry is when it falls due again');
  const taken = await stores.queue.claim('b', 1000, 10, now + 1001);
  assert.deepEqual(taken.map((e) => e.id), [id]);
  // The first owner lost it: its renewal, release and outcome are refused.
  assert.deepEqual(await stores.queue.renew('a', [id], 1000, now + 1002), []);
  assert.equal(await stores.queue.release('a', id, now), false);
  assert.equal(await stores.log.transition(id, { to: 'success', holder: 'a' }), false);
  assert.equal(await stores.log.transition(id, { to: 'success', holder: 'b' }), true);
});

storeTest('renew keeps a lease alive past its first expiry', async ({ stores }) => {
  const now = Date.now();
  const id = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now });
  await stores.queue.claim('a', 1000, 10, now);
  assert.deepEqual(await stores.queue.renew('a', [id, id + 1000], 1000, now + 900), [id]);
  assert.deepEqual(await stores.queue.claim('b', 1000, 10, now + 1500), [], 'renewed until now + 1900');
  assert.equal((await stores.queue.claim('b', 1000, 10, now + 2000)).length, 1);
  assert.deepEqual(await stores.queue.renew('a', [], 1000), []);
});

storeTest('a synchronous send holds a lease from the start; if its sender dies the queue takes it after expiry', async ({ stores }) => {
  const id = await stores.log.record({ source: 'api', status: 'sending', message, deliveryKey: 'client-key', lease: { owner: 'dead', ms: 1000 } });
  const now = Date.now();
  assert.deepEqual(await stores.queue.claim('b', MINUTE, 10, now), [], 'live sender');
  const [orphan] = await stores.queue.claim('b', MINUTE, 10, now + 2000);
  assert.equal(orphan.id, id);
  assert.equal(orphan.deliveryKey, 'client-key', 'the same provider idempotency key');
});

storeTest('release gives the email back to the queue, due when asked', async ({ stores }) => {
  const now = Date.now();
  const id = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now });
  await stores.queue.claim('a', MINUTE, 10, now);
  assert.equal(await stores.queue.release('a', id, now + 5000), true);
  assert.equal((await stores.log.summary(id))?.status, 'queued');
  assert.deepEqual(await stores.queue.claim('a', MINUTE, 10, now + 4999), []);
  assert.equal((await stores.queue.claim('b', MINUTE, 10, now + 5000)).length, 1);
});

storeTest('rounds count what transitions counted; final email leaves the queue', async ({ stores }) => {
  const now = Date.now();
  const id = await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now });
  await stores.queue.claim('a', MINUTE, 10, now);
  await stores.log.transition(id, { to: 'queued', holder: 'a', nextAttemptAt: now + 10, countRound: true, errorMessage: 'x: 503' });
  const [again] = await stores.queue.claim('a', MINUTE, 10, now + 10);
  assert.equal(again.rounds, 1);
  await stores.log.transition(id, { to: 'failed', holder: 'a', nextAttemptAt: null, countRound: true });
  assert.equal(await stores.queue.depth(), 0);
  assert.equal(await stores.queue.nextDueAt(), undefined);
  assert.deepEqual(await stores.queue.claim('a', MINUTE, 10, now + 10 * MINUTE), []);
});

storeTest('two connections claiming at once never get the same email', async ({ stores, another }) => {
  const other = await another();
  const now = Date.now();
  const ids = new Set<number>();
  for (let i = 0; i < 60; i++) ids.add(await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now }));
  const claimAll = async (s: typeof stores, owner: string) => {
    const got: number[] = [];
    for (let round = 0; round < 100; round++) {
      const batch = await s.queue.claim(owner, MINUTE, 4, now);
      if (!batch.length) break;
      got.push(...batch.map((e) => e.id));
    }
    return got;
  };
  const [a, b] = await Promise.all([claimAll(stores, 'a'), claimAll(other, 'b')]);
  assert.equal(a.length + b.length, ids.size);
  assert.deepEqual(new Set([...a, ...b]), ids);
});

storeTest('leaseHolders names the owners of live leases; expireLeases hands one owner’s in-flight email to the queue now', async ({ stores }) => {
  const now = Date.now();
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) ids.push(await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now - 10 }));
  assert.equal((await stores.queue.claim('gone', 10 * MINUTE, 2, now)).length, 2);
  assert.equal((await stores.queue.claim('alive', 10 * MINUTE, 2, now)).length, 2);
  const sync = await stores.log.record({ source: 'api', status: 'sending', message, lease: { owner: 'gone', ms: 10 * MINUTE } });
  assert.deepEqual((await stores.queue.leaseHolders()).sort(), ['alive', 'gone']);
  assert.deepEqual(await stores.queue.claim('c', MINUTE, 10, now + 1), [], 'every lease is live');

  assert.equal(await stores.queue.expireLeases('gone'), 3, 'two claimed and one synchronous send');
  assert.equal(await stores.queue.expireLeases('gone'), 0, 'already ended');
  assert.deepEqual(await stores.queue.leaseHolders(), ['alive']);
  assert.equal(await stores.log.transition(ids[0], { to: 'success', holder: 'gone' }), true, 'until another claims it, the record is unchanged');
  const taken = await stores.queue.claim('c', MINUTE, 10, now + 1);
  assert.deepEqual(taken.map((e) => e.id).sort((a, b) => a - b), [ids[1], sync], 'only the gone owner’s emails');
  assert.deepEqual(await stores.queue.renew('alive', ids.slice(2), MINUTE), ids.slice(2), 'the live owner keeps its own');
});
