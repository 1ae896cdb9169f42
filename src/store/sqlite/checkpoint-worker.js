// @ts-check
// The thread that checkpoints the WAL (started by checkpointer.ts), on a connection of its own, so the copying of
// WAL pages into the database and its fsyncs never run inside a request's commit on the event loop.
// Plain JavaScript (checked by tsc through the JSDoc types): Node runs this very file both from dist/ (tsc emits
// it, allowJs) and from src/ under tsx in tests, whose loader does not reach worker threads.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @typedef {{ busy: number, log: number, checkpointed: number }} CheckpointResult `log`: frames in the WAL */

const { path, walMaxBytes, intervalMs, busyTimeoutMs } = /** @type {import('./checkpointer.js').CheckpointWorkerData} */ (workerData);
const db = new Database(path, { fileMustExist: true });
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
// A frame is a page plus its 24-byte header; the WAL starts with a 32-byte header.
const frameBytes = /** @type {number} */ (db.pragma('page_size', { simple: true })) + 24;

/** @param {'PASSIVE' | 'RESTART'} mode */
const checkpoint = (mode) => /** @type {CheckpointResult[]} */ (db.pragma(`wal_checkpoint(${mode})`))[0];

// PASSIVE never takes the writer lock: it copies what it can while the main thread goes on committing. Under
// steady writes it never reaches the WAL's end, so the WAL would never start over: when the next round would find
// more than walMaxBytes (what is there now plus what came since the last round), a RESTART holds the writer lock,
// copies the rest, waits for readers to leave the WAL and rewinds it; the next commit writes from its start, and
// the file stops growing at about walMaxBytes. A second PASSIVE first copies what came during the first, so the
// RESTART has only a few commits left to copy while writers wait (at 1 000 commits/s: a median of 1.5 ms instead
// of 2.5). Any error ends this thread: the main connection then checkpoints by itself.
let last = 0; // frames in the WAL after the previous round
const timer = setInterval(() => {
  const { log } = checkpoint('PASSIVE');
  const growth = log >= last ? log - last : log;
  last = log;
  if (32 + (log + growth) * frameBytes <= walMaxBytes) return;
  checkpoint('PASSIVE');
  if (checkpoint('RESTART').busy === 0) last = 0;
}, intervalMs);

parentPort?.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
