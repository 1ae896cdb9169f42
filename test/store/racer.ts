// A separate process racing on the same database (spawned by races.test.ts): opens the stores, says "ready",
// waits for "go" on stdin, runs its part, prints the result as one JSON line.
import { openStore } from '../../src/store/open-store.js';
import type { StoreSettings } from '../../src/store/stores.js';

interface Job {
  readonly settings: StoreSettings;
  readonly owner: string;
  readonly op: 'claim' | 'begin';
  readonly keys?: readonly string[];
  readonly now: number;
}

const job = JSON.parse(process.argv[2]) as Job;
const stores = await openStore(job.settings);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

const won: (number | string)[] = [];
if (job.op === 'claim') {
  for (let round = 0; round < 1000; round++) {
    const batch = await stores.queue.claim(job.owner, 60_000, 3, job.now);
    if (!batch.length) break;
    won.push(...batch.map((e) => e.id));
  }
} else {
  for (const key of job.keys ?? []) {
    if ((await stores.idempotency.begin(key, 'same-body', { owner: job.owner, ms: 60_000 }, job.now)).kind === 'new') won.push(key);
  }
}
process.stdout.write(`${JSON.stringify(won)}\n`);
await stores.close();
