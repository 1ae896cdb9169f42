// Preload for the durability benchmark: `node --import ./bench/lib/sync-full.mjs dist/src/main.js` runs the
// unmodified server with SQLite's synchronous=FULL instead of its NORMAL (the server has no switch for it).
// Plain JS so the server process needs no TypeScript loader. Reports the setting in force on stderr.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const pragma = Database.prototype.pragma;
Database.prototype.pragma = function (source, options) {
  if (typeof source === 'string' && /^\s*synchronous\s*=/i.test(source)) {
    const result = pragma.call(this, 'synchronous = FULL', options);
    process.stderr.write(`bench shim: synchronous=${pragma.call(this, 'synchronous', { simple: true })} (2 = FULL)\n`);
    return result;
  }
  return pragma.call(this, source, options);
};
