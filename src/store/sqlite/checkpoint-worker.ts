// The thread that checkpoints the WAL (started by checkpointer.ts), on a connection of its own, so the copying of
// WAL pages into the database and its fsyncs never run inside a request's commit on the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  readonly path: string;
  /** a RESTART once the WAL holds more than this */
  readonly walMaxBytes: number;
  readonly intervalMs: number;
  /** how long a RESTART waits for the writer lock and for readers (while it holds the writer lock, writers wait) */
  readonly busyTimeoutMs: number;
}

interface CheckpointResult {
  readonly busy: number;
  /** frames in the WAL */
  readonly log: number;
  readonly checkpointed: number;
}

const { path, walMaxBytes, intervalMs, busyTimeoutMs } = workerData as CheckpointWorkerData;
const db = new Database(path, { fileMustExist: true });
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
// A frame is a page plus its 24-byte header; the WAL starts with a 32-byte header.
const frameBytes = (db.pragma('page_size', { simple: true }) as number) + 24;

const checkpoint = (mode: 'PASSIVE' | 'RESTART') => (db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[])[0];

// PASSIVE never takes the writer lock: it copies what it can while the main thread goes on committing. Under
// steady writes it never reaches the WAL's end, so the WAL would never start over: when the next round would find
// more than walMaxBytes (what is there now plus what came since the last round), a RESTART (after the PASSIVE, so
// only the last few milliseconds are left to copy) holds the writer lock, copies the rest, waits for readers to
// leave the WAL and rewinds it; the next commit writes from its start, and the file stops growing at about
// walMaxBytes. Any error ends this thread: the main connection then checkpoints by itself.
let last = 0; // frames in the WAL after the previous round
const timer = setInterval(() => {
  const { log } = checkpoint('PASSIVE');
  const growth = log >= last ? log - last : log;
  last = log;
  if (32 + (log + growth) * frameBytes > walMaxBytes && checkpoint('RESTART').busy === 0) last = 0;
}, intervalMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
