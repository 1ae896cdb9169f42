import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpFake } from '../fakes/http-fake.js';
import type { Provider, ProviderContext } from '../../src/core/provider.js';
import { createMessage, type Message } from '../../src/core/message.js';
import type { Receipt } from '../../src/core/receipt.js';

export const testContext = (): ProviderContext => ({ fetch: globalThis.fetch, userAgent: 'protopost/test' });

/** Sends the way the routing engine does: with an abort signal that fires at the timeout. */
export function sendWithTimeout(p: Provider, m: Message, idempotencyKey?: string, timeoutMs = 5000): Promise<Receipt> {
  return p.send(m, { signal: AbortSignal.timeout(timeoutMs), idempotencyKey });
}

/**
 * The network failure paths every HTTP provider shares: a hang ends as a transient timeout, a refused
 * connection is transient. `send(baseUrl, timeoutMs)` sends the test message (baseUrl undefined = the fake).
 */
export function networkFailureTests(label: string, fake: () => HttpFake, send: (baseUrl: string | undefined, timeoutMs: number) => Promise<Receipt>): void {
  test(`${label}: a hang is a transient timeout`, async () => {
    fake().respond(() => ({ status: 200, hang: true }));
    const receipt = await send(undefined, 150);
    assert.equal(receipt.successful, false);
    if (!receipt.successful) assert.deepEqual([receipt.error.code, receipt.error.class], ['timeout', 'transient']);
  });
  test(`${label}: a refused connection is transient`, async () => {
    const receipt = await send('http://127.0.0.1:1', 5000);
    assert.equal(receipt.successful, false);
    if (!receipt.successful) assert.equal(receipt.error.class, 'transient');
  });
}

/** A message using every field: display names, cc, bcc, reply-to, a header, an attachment, two tags. */
export const fullMessage = createMessage({
  from: 'Alice <alice@example.com>',
  to: ['bob@example.org'],
  cc: ['Carol <carol@example.org>'],
  bcc: ['dan@example.org'],
  reply_to: 'Replies <replies@example.com>',
  subject: 'Hello',
  body_text: 'plain',
  body_html: '<p>html</p>',
  headers: { 'X-Campaign': 'spring' },
  attachments: [{ filename: 'a.txt', content: Buffer.from('hi').toString('base64'), content_type: 'text/plain' }],
  tags: { user: 'u1', category: 'welcome' },
});
