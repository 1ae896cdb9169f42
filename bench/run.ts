// Runs every benchmark of SPEC section 10, one after the other, each in its own process (each starts the
// server and its references itself): `npm run bench`, or `node --import tsx bench/run.ts [name…]`.
// The analysis scripts (sqlite-insert, what-if) run only when named.
// Builds first (`npm run build`) unless --no-build. The SMTP benchmark (bench/smtp.ts) needs Postfix's
// smtp-source; when it is missing that benchmark reports so and the others still run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/server.js';

const ALL = ['sandbox', 'relay', 'footprint', 'million', 'durability', 'smtp', 'postgres'];
const ANALYSIS = ['sqlite-insert', 'what-if'];
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !ALL.includes(n) && !ANALYSIS.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${[...ALL, ...ANALYSIS].join(', ')}`);
  process.exit(2);
}
const selected = (names.length ? names : ALL).filter((n) => existsSync(join(ROOT, 'bench', `${n}.ts`)));

if (build) {
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const outcome: { name: string; code: number | null; seconds: number }[] = [];
for (const name of selected) {
  console.log(`\n=== bench/${name}.ts ===`);
  const t0 = performance.now();
  // Bounded: no single benchmark may run for more than 30 minutes.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', `${name}.ts`)], { cwd: ROOT, stdio: 'inherit', timeout: 30 * 60_000, killSignal: 'SIGKILL' });
  outcome.push({ name, code: r.status, seconds: (performance.now() - t0) / 1000 });
}
console.log('\n=== summary ===');
for (const o of outcome) console.log(`  ${o.name.padEnd(11)} ${o.code === 0 ? 'ok' : `exit ${o.code ?? 'killed'}`}  (${o.seconds.toFixed(0)} s)`);
console.log('exit 0 = the benchmark ran and no acknowledged email was lost; pass/FAIL per target is in its table. JSON: bench/results/');
process.exitCode = outcome.every((o) => o.code === 0) ? 0 : 1;
