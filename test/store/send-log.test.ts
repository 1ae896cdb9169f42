// SendLog conformance: record, the one transition function with its guards, the read API, the change feed.
import assert from 'node:assert/strict';
import { createMessage } from '../../src/core/message.js';
import type { AttemptRecord } from '../../src/core/email-log.js';
import type { LogChange } from '../../src/store/change-feed.js';
import { storeTest } from './backends.js';

const message = (subject = 'Your invoice 42', to = 'rcpt@example.org') =>
  createMessage({ from: 'Sender <sender@example.com>', to: [to], cc: ['cc@example.org'], subject, body_text: 'text', body_html: '<p>html</p>', headers: { 'X-Trace': 't1' }, tags: { kind: 'bill' } });

const attempt = (ok: boolean, error: string | null = null): AttemptRecord => ({
  provider_id: 'p1',
  provider_name: 'Primary',
  provider_type: 'resend',
  started_at: new Date().toISOString(),
  duration_ms: 12.5,
  ok,
  error,
  error_class: ok ? null : 'transient',
});
const PROVIDER = { id: 'p1', name: 'Primary', type: 'resend' };

storeTest('record stores the email; get, summary and message read it back', async ({ stores }) => {
  const id = await stores.log.record({ source: 'api', status: 'sandbox', message: message(), idempotencyKey: 'k1', deliveryKey: 'd1', processingTimeMs: 1.5 });
  const s = await stores.log.summary(id);
  assert.ok(s);
  assert.equal(s.id, id);
  assert.equal(s.status, 'sandbox');
  assert.equal(s.source, 'api');
  assert.equal(s.from_address, 'Sender <sender@example.com>');
  assert.deepEqual(s.to_addresses, ['rcpt@example.org']);
  assert.equal(s.subject, 'Your invoice 42');
  assert.equal(s.processing_time_ms, 1.5);
  assert.equal(s.attempt_count, 0);
  assert.match(s.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const d = await stores.log.get(id);
  assert.ok(d);
  assert.deepEqual(d.cc, ['cc@example.org']);
  assert.equal(d.body_text, 'text');
  assert.equal(d.body_html, '<p>html</p>');
  assert.deepEqual(d.headers, { 'X-Trace': 't1' });
  assert.deepEqual(d.tags, { kind: 'bill' });
  assert.deepEqual(d.attempts, []);
  const m = await stores.log.message(id);
  assert.ok(m);
  assert.equal(m.status, 'sandbox');
  assert.equal(m.deliveryKey, 'd1');
  assert.equal(m.message.subject, 'Your invoice 42');
  assert.equal(await stores.log.get(id + 1000), undefined);
  assert.equal(await stores.log.summary(id + 1000), undefined);
  assert.equal(await stores.log.message(id + 1000), undefined);
});

storeTest('a raw source (SMTP) comes back byte for byte', async ({ stores }) => {
  const raw = Buffer.from('From: a@example.com\r\nTo: b@example.org\r\nSubject: raw\r\n\r\nbody \u00e9\r\n', 'utf8');
  const id = await stores.log.record({ source: 'smtp', status: 'sandbox', message: { ...message('raw'), raw } });
  const m = await stores.log.message(id);
  assert.ok(m?.message.raw);
  assert.ok(Buffer.from(m.message.raw).equals(raw));
  assert.equal(m.source, 'smtp');
});

storeTest('transition applies outcome and attempts, and only while its guards hold', async ({ stores }) => {
  const id = await stores.log.record({ source: 'api', status: 'sending', message: message(), lease: { owner: 'a', ms: 60_000 } });
  assert.equal(await stores.log.transition(id, { to: 'success', from: ['queued'] }), false, 'wrong from-status');
  assert.equal(await stores.log.transition(id, { to: 'success', holder: 'b' }), false, 'not the lease holder');
  assert.equal((await stores.log.summary(id))?.status, 'sending');
  const ok = await stores.log.transition(id, {
    to: 'success',
    from: ['sending'],
    holder: 'a',
    provider: PROVIDER,
    processingTimeMs: 40,
    messageId: 'msg-1',
    attempts: [attempt(false, 'timeout'), attempt(true)],
    nextAttemptAt: null,
    countRound: true,
  });
  assert.equal(ok, true);
  const d = await stores.log.get(id);
  assert.ok(d);
  assert.equal(d.status, 'success');
  assert.equal(d.provider_id, 'p1');
  assert.equal(d.provider_name, 'Primary');
  assert.equal(d.provider_type, 'resend');
  assert.equal(d.message_id, 'msg-1');
  assert.equal(d.processing_time_ms, 40);
  assert.equal(d.error_message, null);
  assert.equal(d.attempt_count, 2);
  assert.deepEqual(d.attempts.map((a) => [a.ok, a.error, a.error_class, a.duration_ms]), [[false, 'timeout', 'transient', 12.5], [true, null, null, 12.5]]);
  // The lease is gone with `sending`: a holder guard no longer matches.
  assert.equal(await stores.log.transition(id, { to: 'failed', holder: 'a' }), false);
  assert.equal(await stores.log.transition(id + 1000, { to: 'failed' }), false, 'no such id');
});

storeTest('a later transition keeps provider, time and message id it does not set; errorMessage is written', async ({ stores }) => {
  const id = await stores.log.record({ source: 'api', status: 'queued', message: message(), nextAttemptAt: Date.now() });
  await stores.log.transition(id, { to: 'queued', provider: PROVIDER, processingTimeMs: 5, errorMessage: 'Primary: 503', attempts: [attempt(false, '503')], nextAttemptAt: Date.now() + 1000 });
  await stores.log.transition(id, { to: 'failed', errorMessage: 'gave up', attempts: [attempt(false, '503')] });
  const d = await stores.log.get(id);
  assert.equal(d?.status, 'failed');
  assert.equal(d?.provider_name, 'Primary');
  assert.equal(d?.processing_time_ms, 5);
  assert.equal(d?.error_message, 'gave up');
  assert.equal(d?.attempt_count, 2);
});

storeTest('list: newest first, filters, q on subject and addresses, total over all matches', async ({ stores }) => {
  const a = await stores.log.record({ source: 'api', status: 'sandbox', message: message('Your invoice 42') });
  const b = await stores.log.record({ source: 'smtp', status: 'queued', message: message('Weekly digest', 'alice@example.net'), nextAttemptAt: Date.now() });
  const c = await stores.log.record({ source: 'api', status: 'sandbox', message: message('Password reset') });
  await stores.log.transition(c, { to: 'success', provider: PROVIDER });
  const all = await stores.log.list({ limit: 2, offset: 0 });
  assert.deepEqual(all.logs.map((l) => l.id), [c, b]);
  assert.equal(all.total, 3);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 2 })).logs.map((l) => l.id), [a]);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0, status: 'sandbox' })).logs.map((l) => l.id), [a]);
  assert.equal((await stores.log.list({ limit: 10, offset: 0, status: 'sandbox' })).total, 1);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0, source: 'smtp' })).logs.map((l) => l.id), [b]);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0, provider: 'p1' })).logs.map((l) => l.id), [c]);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0, q: 'invoice' })).logs.map((l) => l.id), [a]);
  assert.deepEqual((await stores.log.list({ limit: 10, offset: 0, q: 'alice' })).logs.map((l) => l.id), [b]);
  const none = await stores.log.list({ limit: 10, offset: 0, q: 'nothing-like-this' });
  assert.deepEqual([none.logs, none.total], [[], 0]);
});

storeTest('stats follow every transition without a scan', async ({ stores }) => {
  const empty = await stores.log.stats();
  assert.deepEqual(empty, { total: 0, total_sent: 0, total_failed: 0, total_sandbox: 0, total_queued: 0, total_scheduled: 0, avg_processing_time_ms: 0, by_provider: {} });
  await stores.log.record({ source: 'api', status: 'sandbox', message: message(), processingTimeMs: 2 });
  const q = await stores.log.record({ source: 'api', status: 'queued', message: message(), nextAttemptAt: Date.now() });
  const s = await stores.log.record({ source: 'api', status: 'sending', message: message(), lease: { owner: 'a', ms: 60_000 } });
  assert.equal((await stores.log.stats()).total_queued, 2);
  await stores.log.transition(s, { to: 'success', provider: PROVIDER, processingTimeMs: 4 });
  await stores.log.transition(q, { to: 'failed', provider: { id: 'p2', name: 'Backup', type: 'smtp' }, processingTimeMs: 6 });
  const stats = await stores.log.stats();
  assert.deepEqual(stats, {
    total: 3,
    total_sent: 1,
    total_failed: 1,
    total_sandbox: 1,
    total_queued: 0,
    total_scheduled: 0,
    avg_processing_time_ms: 4,
    by_provider: { Primary: { sent: 1, failed: 0 }, Backup: { sent: 0, failed: 1 } },
  });
});

storeTest('the change feed announces records and transitions in order, with the record as of each change', async ({ stores }) => {
  const seen: { change: LogChange; summary: Promise<unknown> }[] = [];
  const unsubscribe = stores.changes.subscribe((change) => seen.push({ change, summary: change.summary() }));
  const id = await stores.log.record({ source: 'api', status: 'sending', message: message(), lease: { owner: 'a', ms: 60_000 } });
  await stores.log.transition(id, { to: 'success', provider: PROVIDER });
  assert.equal(await stores.log.transition(id, { to: 'failed', from: ['queued'] }), false);
  unsubscribe();
  await stores.log.record({ source: 'api', status: 'sandbox', message: message() });
  assert.deepEqual(seen.map((s) => [s.change.id, s.change.status, s.change.provider, s.change.transitioned, s.change.local]), [
    [id, 'sending', null, true, true],
    [id, 'success', 'Primary', true, true],
  ]);
  assert.deepEqual(await Promise.all(seen.map(async (s) => ((await s.summary) as { status: string }).status)), ['sending', 'success']);
});

storeTest('ping answers, leads says whether to run singleton work, close is final', async ({ stores, another }) => {
  assert.equal(await stores.ping(), true);
  assert.equal(typeof (await stores.leads('retention')), 'boolean');
  const other = await another();
  assert.equal(await other.ping(), true);
  await other.close();
  assert.equal(await other.ping(), false);
});

storeTest('concurrent records share a write, each gets its own id in order, and one faulty email fails alone', async ({ stores }) => {
  const subjects = Array.from({ length: 120 }, (_, i) => `burst ${i}`);
  const bad = { ...message(), subject: null as unknown as string }; // NOT NULL
  const outcomes = await Promise.allSettled([
    ...subjects.slice(0, 60).map((s) => stores.log.record({ source: 'api', status: 'sandbox', message: message(s), processingTimeMs: 1 })),
    stores.log.record({ source: 'api', status: 'sandbox', message: bad }),
    ...subjects.slice(60).map((s) => stores.log.record({ source: 'api', status: 'queued', message: message(s), nextAttemptAt: 0 })),
  ]);
  assert.equal(outcomes[60].status, 'rejected', 'the faulty email');
  const ids = outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<number>).value);
  assert.equal(ids.length, 120);
  assert.equal(new Set(ids).size, 120, 'distinct ids');
  for (const [i, id] of ids.entries()) assert.equal((await stores.log.summary(id))?.subject, subjects[i], `id ${id} is email ${i}`);
  assert.equal((await stores.log.stats()).total, 120);
});

storeTest('concurrent transitions share a commit, keep each email’s call order, and one faulty transition fails alone', async ({ stores }) => {
  const ids: number[] = [];
  for (let i = 0; i < 90; i++) ids.push(await stores.log.record({ source: 'api', status: 'queued', message: message(`t ${i}`), nextAttemptAt: 0 }));
  const lease = { owner: 'worker-a', ms: 60_000 };
  // Issued in one turn, newest first, so the store has to order them; each email taken then finished by its holder.
  const outcomes = await Promise.allSettled(
    [...ids].reverse().flatMap((id, i) => [
      stores.log.transition(id, { to: 'sending', from: ['queued'], lease }),
      i === 7
        ? stores.log.transition(id, { to: null as unknown as 'success', holder: 'worker-a' }) // NOT NULL
        : stores.log.transition(id, { to: 'success', holder: 'worker-a', provider: PROVIDER, messageId: `m-${id}`, attempts: [attempt(true)], processingTimeMs: 2 }),
      stores.log.transition(id, { to: 'failed', from: ['queued'] }), // guard no longer holds
    ]),
  );
  const faulty = ids[ids.length - 1 - 7];
  for (const [k, o] of outcomes.entries()) {
    const [id, step] = [ids[ids.length - 1 - Math.floor(k / 3)], k % 3];
    if (id === faulty && step === 1) assert.equal(o.status, 'rejected', 'the faulty transition');
    else assert.deepEqual(o, { status: 'fulfilled', value: step !== 2 }, `email ${id} step ${step}`);
  }
  for (const id of ids) {
    const d = await stores.log.get(id);
    if (id === faulty) {
      assert.equal(d?.status, 'sending');
      continue;
    }
    assert.equal(d?.status, 'success', `email ${id}`);
    assert.equal(d?.message_id, `m-${id}`);
    assert.equal(d?.attempts.length, 1);
  }
  const stats = await stores.log.stats();
  assert.equal(stats.total_sent, 89);
  assert.equal(stats.total_queued, 1, "the email left sending");
});
