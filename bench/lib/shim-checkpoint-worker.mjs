// What-if preload (bench/what-if.ts): the unmodified server, but its WAL checkpoints run in a worker thread on
// a second connection (PRAGMA wal_checkpoint(PASSIVE) every 500 ms) instead of inside whichever commit
// crosses 1 000 WAL pages on the main thread (wal_autocheckpoint=0 there). Plain JS: no loader in the server.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const CHECKPOINTER = `
  const { workerData } = require('node:worker_threads');
  const db = new (require(workerData.sqlite))(workerData.path);
  db.pragma('busy_timeout = 5000');
  setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), 500);
`;
const pragma = Database.prototype.pragma;
const started = new WeakSet();
Database.prototype.pragma = function (source, options) {
  const result = pragma.call(this, source, options);
  if (typeof source === 'string' && /^\s*journal_mode\s*=\s*wal/i.test(source) && !this.memory && !this.readonly && !started.has(this)) {
    started.add(this);
    pragma.call(this, 'wal_autocheckpoint = 0');
    new Worker(CHECKPOINTER, { eval: true, workerData: { sqlite: require.resolve('better-sqlite3'), path: this.name } }).unref();
    process.stderr.write('bench shim: WAL checkpoints in a worker thread\n');
  }
  return result;
};
