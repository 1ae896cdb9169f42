// Concurrency across processes on one database: two claimers never get the same email, and of two processes
// beginning the same idempotency keys exactly one wins each key.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMessage } from '../../src/core/message.js';
import type { StoreSettings } from '../../src/store/stores.js';
import { storeTest } from './backends.js';

const RACER = fileURLToPath(new URL('./racer.ts', import.meta.url));

interface Racer {
  ready: Promise<void>;
  result: Promise<(number | string)[]>;
  go(): void;
}

function racer(settings: StoreSettings, job: Record<string, unknown>): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', RACER, JSON.stringify({ settings, ...job })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (d) => (err += d));
  const result = new Promise<(number | string)[]>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1])) : reject(new Error(`racer exited ${code}: ${err}`)))),
  );
  return { ready: Promise.race([ready, result.then(() => {})]), result, go: () => child.stdin.end('go\n') };
}

async function race(settings: StoreSettings, jobs: Record<string, unknown>[]): Promise<(number | string)[][]> {
  const racers = jobs.map((j) => racer(settings, j));
  await Promise.all(racers.map((r) => r.ready));
  for (const r of racers) r.go();
  return Promise.all(racers.map((r) => r.result));
}

storeTest('two processes claiming the same queue never get the same email', async ({ settings, stores }) => {
  const message = createMessage({ from: 'a@example.com', to: ['b@example.org'], subject: 'race', body_text: 't' });
  const now = Date.now();
  const ids: number[] = [];
  for (let i = 0; i < 300; i++) ids.push(await stores.log.record({ source: 'api', status: 'queued', message, nextAttemptAt: now }));
  const [a, b] = await race(settings, [
    { owner: 'a', op: 'claim', now },
    { owner: 'b', op: 'claim', now },
  ]);
  assert.equal(a.length + b.length, ids.length, `a got ${a.length}, b got ${b.length}: no email twice`);
  assert.deepEqual(new Set([...a, ...b]), new Set(ids));
});

storeTest('two processes beginning the same idempotency keys: exactly one winner per key', async ({ settings }) => {
  const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
  const now = Date.now();
  const [a, b] = await race(settings, [
    { owner: 'a', op: 'begin', keys, now },
    { owner: 'b', op: 'begin', keys, now },
  ]);
  assert.equal(a.length + b.length, keys.length, `a won ${a.length}, b won ${b.length}`);
  assert.deepEqual(new Set([...a, ...b]), new Set(keys));
});
