// Tables on stdout, JSON in bench/results/, and the facts about the machine every figure needs beside it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './server.js';

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function machine() {
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavg_at_start: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const load1 = () => Math.round(loadavg()[0] * 100) / 100;

export type Verdict = 'pass' | 'FAIL' | 'info';
export const verdict = (ok: boolean | undefined): Verdict => (ok === undefined ? 'info' : ok ? 'pass' : 'FAIL');

export interface Row {
  readonly figure: string;
  readonly value: string;
  readonly reference?: string;
  readonly ratio?: string;
  readonly target?: string;
  readonly result: Verdict;
}

export function printTable(title: string, rows: readonly Row[]): void {
  const head = ['figure', 'ProtoPost', 'reference', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [r.figure, r.value, r.reference ?? '', r.ratio ?? '', r.target ?? '', r.result]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((s, i) => s.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
  console.log('');
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResults(name: string, data: unknown): string {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  console.log(`results: ${file}`);
  return file;
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const ms = (n: number) => `${fmt(n, n < 10 ? 2 : 1)} ms`;
export const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;

/** A knob from the environment: a positive number within bounds, else the default. */
export function knob(name: string, fallback: number, max = 3600): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${name} must be a number in (0, ${max}], got "${raw}"`);
  return n;
}
