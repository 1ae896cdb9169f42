// WAL checkpoints off the event loop. With SQLite's default (wal_autocheckpoint = 1000 pages) whichever commit
// crosses 1 000 WAL pages copies them into the database and fsyncs, stalling the event loop for milliseconds
// (the sandbox p99). Here checkpoint-worker.js, a thread with its own connection, checkpoints instead: PASSIVE
// on a timer, and a RESTART (after a second PASSIVE) before the WAL passes WAL_MAX_BYTES, so the file stays at
// about that size.
//
// Who waits on whom: a PASSIVE checkpoint takes no lock writers need, so commits never wait for it. A RESTART
// holds the writer lock while it copies the last frames and waits for readers to leave the WAL: main-thread
// commits meanwhile wait in their busy handler (busy_timeout 5 s, in practice a few ms, once per WAL_MAX_BYTES
// written). The worker itself waits at most BUSY_TIMEOUT_MS for the lock or for readers, then gives up until its
// next round, so it holds the main thread's writers for no longer than that plus its copy.
//
// The WAL never grows without bound: the main connection keeps an automatic checkpoint as a backstop at twice
// WAL_MAX_BYTES (it only fires if the worker falls behind), and goes back to SQLite's default if the worker
// dies (logged). Durability is unchanged: a commit is in the WAL before it is acknowledged (synchronous =
// NORMAL), wherever and whenever it is checkpointed later.
import { Worker } from 'node:worker_threads';
import type { Db } from './database.js';
import type { StoreWarning } from '../stores.js';

/** WAL_MAX_BYTES unless set. */
export const DEFAULT_WAL_MAX_BYTES = 64 * 1024 * 1024;
/** SQLite's default wal_autocheckpoint (pages): what the main connection returns to without the worker. */
const AUTOCHECKPOINT_PAGES = 1000;
/** the main connection's own checkpoint fires at this many times WAL_MAX_BYTES */
const BACKSTOP = 2;
const INTERVAL_MS = 200;
const BUSY_TIMEOUT_MS = 100;
/** close(): how long the worker gets to finish its round and close its connection before it is terminated */
const STOP_WAIT_MS = 5000;

/** What checkpoint-worker.js is started with. */
export interface CheckpointWorkerData {
  readonly path: string;
  /** a RESTART once the next round would find more than this in the WAL */
  readonly walMaxBytes: number;
  readonly intervalMs: number;
  /** how long a RESTART waits for the writer lock and for readers (while it holds the writer lock, writers wait) */
  readonly busyTimeoutMs: number;
}

export interface CheckpointerOptions {
  readonly walMaxBytes?: number;
  readonly warn?: StoreWarning;
}

export class Checkpointer {
  /** the checkpointing thread (tests end it to see the fallback) */
  readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopping = false;
  private failure: Error | undefined;

  constructor(
    private readonly db: Db,
    { walMaxBytes = DEFAULT_WAL_MAX_BYTES, warn = () => {} }: CheckpointerOptions = {},
  ) {
    const frameBytes = (db.pragma('page_size', { simple: true }) as number) + 24;
    db.pragma(`wal_autocheckpoint = ${Math.ceil((BACKSTOP * walMaxBytes) / frameBytes)}`);
    const workerData: CheckpointWorkerData = { path: db.name, walMaxBytes, intervalMs: INTERVAL_MS, busyTimeoutMs: BUSY_TIMEOUT_MS };
    // Plain JS beside this file in src/ and dist/ alike. No node flags: the tsx loader of the tests (250 ms of CPU
    // per start, and the file needs none) or a benchmark's --cpu-prof are the main thread's business.
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData, execArgv: [] });
    // It must never keep the process alive, and an error in it (also a failed start) is not ours to throw.
    this.worker.unref();
    this.worker.on('error', (err) => (this.failure = err));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        if (!this.stopping && db.open) {
          db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
          warn({ exit_code: code, error: this.failure?.message }, 'WAL checkpoint thread stopped; the main connection checkpoints again (wal_autocheckpoint)');
        }
        resolve();
      }),
    );
  }

  /** Stops the worker, then one TRUNCATE checkpoint on the main connection: a clean shutdown leaves an empty WAL. */
  async close(): Promise<void> {
    this.stopping = true;
    this.worker.ref(); // the process waits for it now
    this.worker.postMessage('stop');
    const kill = setTimeout(() => void this.worker.terminate(), STOP_WAIT_MS);
    await this.exited;
    clearTimeout(kill);
    if (this.db.open) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
