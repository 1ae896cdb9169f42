// Scheduled sends in the store (SPEC 13): a `scheduled` record waits for its send_at, the queue claims it then
// under a lease (never twice, taken over only once that lease expires), and cancel is one compare-and-set
// transition that a claim and a second cancel cannot both win. Clocks are driven through `now`: no sleeping.
import assert from 'node:assert/strict';
import { createMessage } from '../../src/core/message.js';
import { storeTest } from './backends.js';

const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 'scheduled', body_text: 't' });
const MINUTE = 60_000;

storeTest('a scheduled email keeps its send_at, counts as scheduled, and is claimed only once due', async ({ stores }) => {
  const now = Date.now();
  const sendAt = new Date(now + 10 * MINUTE);
  const id = await stores.log.record({ source: 'resend', status: 'scheduled', message, sendAt, nextAttemptAt: sendAt.getTime(), deliveryKey: 'dk-s' });
  const s = await stores.log.summary(id);
  assert.equal(s?.status, 'scheduled');
  assert.equal(s?.source, 'resend');
  assert.equal(s?.send_at, sendAt.toISOString());
  assert.equal((await stores.log.list({ limit: 10, offset: 0 })).logs[0].send_at, sendAt.toISOString());
  assert.equal((await stores.log.stats()).total_scheduled, 1);
  assert.equal((await stores.log.stats()).total_queued, 0, 'waiting for send_at is not queued');
  assert.equal(await stores.queue.nextDueAt(), sendAt.getTime());
  assert.deepEqual(await stores.queue.claim('a', MINUTE, 10, now + 10 * MINUTE - 1), [], 'not due yet');
  const [claimed] = await stores.queue.claim('a', MINUTE, 10, sendAt.getTime());
  assert.equal(claimed.id, id);
  assert.equal(claimed.deliveryKey, 'dk-s');
  assert.equal((await stores.log.summary(id))?.status, 'sending');
  assert.equal((await stores.log.stats()).total_scheduled, 0);
  assert.deepEqual(await stores.queue.claim('b', MINUTE, 10, sendAt.getTime() + MINUTE - 1), [], 'never twice under a live lease');
  assert.deepEqual((await stores.queue.claim('b', MINUTE, 10, sendAt.getTime() + MINUTE + 1)).map((e) => e.id), [id], 'an expired lease is taken over');
  assert.equal(await stores.log.transition(id, { to: 'success', holder: 'a' }), false, 'the first owner lost it');
  assert.equal(await stores.log.transition(id, { to: 'success', holder: 'b' }), true);
  assert.equal((await stores.log.summary(id))?.send_at, sendAt.toISOString(), 'send_at stays on the record');
});

storeTest('cancel is scheduled → canceled once; a canceled email is never claimed; a claimed one cannot be canceled', async ({ stores }) => {
  const now = Date.now();
  const at = now + MINUTE;
  const a = await stores.log.record({ source: 'api', status: 'scheduled', message, sendAt: new Date(at), nextAttemptAt: at });
  const b = await stores.log.record({ source: 'api', status: 'scheduled', message, sendAt: new Date(at), nextAttemptAt: at });
  const cancel = (id: number) => stores.log.transition(id, { to: 'canceled', from: ['scheduled'] });
  const [first, second] = await Promise.all([cancel(a), cancel(a)]);
  assert.deepEqual([first, second].sort(), [false, true], 'exactly one of two concurrent cancels applies');
  assert.equal((await stores.log.summary(a))?.status, 'canceled');
  assert.equal((await stores.log.stats()).total_scheduled, 1);
  assert.deepEqual((await stores.queue.claim('q', MINUTE, 10, at + 1)).map((e) => e.id), [b], 'the canceled one is not claimed');
  assert.equal(await cancel(b), false, 'claimed (sending): too late to cancel');
  assert.equal((await stores.log.summary(b))?.status, 'sending');
  assert.equal((await stores.log.list({ limit: 10, offset: 0, status: 'canceled' })).total, 1);
});
