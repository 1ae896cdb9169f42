// What-if preload (bench/what-if.ts): the unmodified server, but the config.json change check (a statSync per
// call of ConfigStore.current()) is answered once per event-loop turn: concurrent requests handled in the same
// turn share one stat. A hand edit still applies to the next email that arrives after it.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const statSync = fs.statSync;
const cache = new Map();
fs.statSync = function (path, options) {
  if (typeof path !== 'string' || !path.endsWith('config.json') || options !== undefined) return statSync.apply(this, arguments);
  let s = cache.get(path);
  if (!s) {
    s = statSync(path);
    if (cache.size === 0) setImmediate(() => cache.clear());
    cache.set(path, s);
  }
  return s;
};
syncBuiltinESMExports();
process.stderr.write('bench shim: config.json stat once per event-loop turn\n');
