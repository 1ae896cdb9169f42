// Analysis, not a SPEC figure: what one sandbox insert costs in SQLite and what would make it cheaper.
// Inserts the 1 KB benchmark email through the app's own SendLog.record on the app's schema
// (openDatabase: WAL, synchronous=NORMAL, the counter triggers): one email at a time (one transaction each:
// one request in flight), and `BATCH` concurrent records (the store's group commit puts them in one
// transaction, as with that many concurrent requests), then variants: WAL checkpoints in the store's checkpoint
// thread (src/store/sqlite/checkpointer.ts, what the server runs: their page copying and fsyncs do not stall the
// inserting thread; the other variants use SQLite's default checkpoints inside commits), several emails per transaction (group commit),
// synchronous=FULL with and without group commit, no counter triggers, no secondary indexes.
//
//   node --import tsx bench/sqlite-insert.ts
//
// Knobs: BENCH_RAW_DURATION (s per variant and round, 3), BENCH_ROUNDS (3), BENCH_BATCH (32).
import { join } from 'node:path';
import { createMessage } from '../src/core/message.js';
import { storesOver } from '../src/store/sqlite/open.js';
import { openDatabase, type Db } from '../src/store/sqlite/database.js';
import { summarize } from './lib/load.js';
import { MESSAGE_1KB } from './lib/message.js';
import { guarded } from './lib/quiet.js';
import { removeDir, tempDir } from './lib/server.js';
import { fmt, knob, machine, median, printTable, ratio, writeResults } from './lib/report.js';

const DURATION = knob('BENCH_RAW_DURATION', 3, 60);
const ROUNDS = knob('BENCH_ROUNDS', 3, 10);
const BATCH = knob('BENCH_BATCH', 32, 10_000);

interface Variant {
  readonly name: string;
  readonly setup?: (db: Db) => void;
  /** emails per transaction */
  readonly batch?: number;
  /** the store's checkpoint thread (as the server runs); otherwise SQLite checkpoints inside commits */
  readonly checkpointWorker?: boolean;
}

const VARIANTS: Variant[] = [
  { name: '1 email per transaction (one request at a time)' },
  { name: 'checkpoints in the checkpoint thread (as the server)', checkpointWorker: true },
  { name: `${BATCH} concurrent (group commit: ${BATCH} per transaction)`, batch: BATCH },
  { name: `${BATCH} concurrent + checkpoints in the checkpoint thread`, batch: BATCH, checkpointWorker: true },
  { name: 'synchronous=FULL, 1 email per transaction', setup: (db) => db.pragma('synchronous = FULL') },
  { name: `synchronous=FULL, ${BATCH} concurrent`, batch: BATCH, setup: (db) => db.pragma('synchronous = FULL') },
  {
    name: 'no counter triggers (1 per transaction)',
    setup: (db) => db.exec('DROP TRIGGER emails_count_insert; DROP TRIGGER emails_count_update; DROP TRIGGER emails_count_delete'),
  },
  {
    name: 'no secondary indexes on emails (1 per transaction)',
    setup: (db) => db.exec('DROP INDEX IF EXISTS emails_status; DROP INDEX IF EXISTS emails_provider; DROP INDEX IF EXISTS emails_created; DROP INDEX IF EXISTS emails_due'),
  },
];

async function run(v: Variant): Promise<{ perSecond: number; slowMs: number; p99: number }> {
  const dir = tempDir('insert');
  const path = join(dir, 'emails.db');
  const db = openDatabase(path);
  v.setup?.(db);
  const stores = storesOver(db, { offThreadCheckpoints: v.checkpointWorker === true });
  if (v.checkpointWorker) await new Promise((r) => setTimeout(r, 300)); // the thread starts
  const store = stores.log;
  const message = createMessage(JSON.parse(MESSAGE_1KB));
  const batch = v.batch ?? 1;
  const one = () => store.record({ source: 'api', status: 'sandbox', message, processingTimeMs: 0.1 });
  const times: number[] = [];
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < DURATION * 1000 && n < 10_000_000) {
    const t = performance.now();
    await Promise.all(Array.from({ length: batch }, one));
    times.push((performance.now() - t) / batch);
    n += batch;
  }
  const seconds = (performance.now() - t0) / 1000;
  const slowMs = times.filter((t) => t * batch > 2).reduce((s, t) => s + t * batch, 0);
  await stores.close();
  removeDir(dir);
  return { perSecond: n / seconds, slowMs: slowMs / seconds, p99: summarize(times).p99 };
}

async function main() {
  const info = machine();
  console.log(`SQLite insert cost: the 1 KB email through SendLog.record, ${DURATION} s × ${ROUNDS} rounds per variant`);
  const results: Record<string, { perSecond: number; slowMs: number; p99: number; others: number }[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of VARIANTS) {
      const { value, others } = await guarded([], () => run(v));
      (results[v.name] ??= []).push({ ...value, others });
      console.log(`  round ${round + 1} ${v.name.padEnd(62)} ${fmt(value.perSecond).padStart(7)} /s  ${fmt(1e6 / value.perSecond).padStart(4)} µs each; stalls > 2 ms: ${fmt(value.slowMs)} ms per s`);
    }
  }
  const base = median(results[VARIANTS[0].name].map((r) => r.perSecond));
  printTable(
    'SQLite insert of one 1 KB email (SendLog.record, same schema)',
    VARIANTS.map((v) => {
      const rate = median(results[v.name].map((r) => r.perSecond));
      return { figure: v.name, value: `${fmt(rate)} /s (${fmt(1e6 / rate)} µs)`, reference: `stalls ${fmt(median(results[v.name].map((r) => r.slowMs)))} ms/s`, ratio: ratio(rate, base), result: 'info' as const };
    }),
  );
  writeResults('sqlite-insert', { machine: info, settings: { durationS: DURATION, rounds: ROUNDS, batch: BATCH }, results });
}

await main();
