// This machine is shared (other people's test suites and builds come and go): every measured run waits for a
// quiet machine first, measures how much CPU everything else used during the run, and is repeated (bounded)
// when something else was busy. What others used is recorded with each result.
import { readFileSync } from 'node:fs';
import { cpuSeconds } from './server.js';

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100;
}

const ownSeconds = (pids: readonly number[]) => pids.reduce((s, pid) => s + safeCpu(pid), 0);
function safeCpu(pid: number): number {
  try {
    // This process counts with its reaped children (servers started and stopped inside a run).
    return cpuSeconds(pid, pid === process.pid);
  } catch {
    return 0; // exited
  }
}

/** Cores' worth of CPU used by processes other than `pids` (and this one) while `run` ran. */
export async function othersDuring<T>(pids: readonly number[], run: () => Promise<T>): Promise<{ value: T; others: number }> {
  const all = [process.pid, ...pids];
  const busy0 = machineBusySeconds();
  const own0 = ownSeconds(all);
  const t0 = performance.now();
  const value = await run();
  const seconds = (performance.now() - t0) / 1000;
  const others = Math.max(0, machineBusySeconds() - busy0 - (ownSeconds(all) - own0)) / seconds;
  return { value, others };
}

const QUIET_CORES = Number(process.env.BENCH_QUIET_CORES ?? 0.15);
const DISTURBED_CORES = Number(process.env.BENCH_DISTURBED_CORES ?? 0.3);
const MAX_WAIT_S = Number(process.env.BENCH_MAX_WAIT ?? 600);

/** Waits (bounded) until everything else uses less than QUIET_CORES over a 2 s window. */
export async function waitQuiet(pids: readonly number[]): Promise<number> {
  const until = performance.now() + MAX_WAIT_S * 1000;
  let announced = false;
  for (;;) {
    const { others } = await othersDuring(pids, () => new Promise((r) => setTimeout(r, 2000)));
    if (others < QUIET_CORES) return others;
    if (performance.now() > until) {
      console.log(`  (machine still busy after ${MAX_WAIT_S} s: others use ${others.toFixed(2)} cores; measuring anyway)`);
      return others;
    }
    if (!announced) console.log(`  (waiting for a quiet machine: others use ${others.toFixed(2)} cores)`);
    announced = true;
  }
}

export interface Guarded<T> {
  readonly value: T;
  /** cores used by other processes during the run */
  readonly others: number;
  readonly attempts: number;
}

/**
 * Runs `run` on a quiet machine; repeats it (up to `tries` times) when other processes used more than
 * DISTURBED_CORES during it. Returns the least disturbed attempt.
 */
export async function guarded<T>(pids: readonly number[], run: () => Promise<T>, tries = 3): Promise<Guarded<T>> {
  let best: Guarded<T> | undefined;
  for (let attempt = 1; attempt <= tries; attempt++) {
    await waitQuiet(pids);
    const { value, others } = await othersDuring(pids, run);
    if (!best || others < best.others) best = { value, others, attempts: attempt };
    if (others <= DISTURBED_CORES) break;
    if (attempt < tries) console.log(`  (disturbed: other processes used ${others.toFixed(2)} cores during the run; repeating)`);
  }
  return best!;
}
