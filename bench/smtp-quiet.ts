// The machine is shared: a run is only worth comparing when nothing else was busy during it. This measures
// how many cores *other* processes used while a run went on (machine busy time from /proc/stat minus our
// own processes' CPU, reaped children included), waits for a quiet machine before each run and repeats a
// disturbed one (bounded), keeping the least disturbed.
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: interrupt time is left out, as loopback traffic's
  // softirq work is charged there rather than to the processes that cause it (ours, mostly).
  return (f[0] + f[1] + f[2] + f[7]) / TICK;
}

function stat(pid: number): { ppid: number; self: number; children: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields after the command: state ppid … utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: f[1], self: (f[11] + f[12]) / TICK, children: (f[13] + f[14]) / TICK };
  } catch {
    return undefined;
  }
}

/** CPU seconds of these processes, their reaped children, and the live children of `trees` (e.g. a Postfix master). */
export function ownSeconds(pids: readonly number[], trees: readonly number[] = []): number {
  let total = 0;
  for (const pid of [...pids, ...trees]) {
    const s = stat(pid);
    if (s) total += s.self + s.children;
  }
  if (trees.length) {
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!pid) continue;
      const s = stat(pid);
      if (s && trees.includes(s.ppid)) total += s.self;
    }
  }
  return total;
}

export interface Watched<T> {
  readonly value: T;
  /** cores' worth of CPU other processes used during the run */
  readonly others: number;
}

export async function watch<T>(own: () => number, run: () => Promise<T>): Promise<Watched<T>> {
  const busy0 = machineBusySeconds();
  const own0 = own();
  const t0 = performance.now();
  const value = await run();
  const seconds = (performance.now() - t0) / 1000;
  return { value, others: Math.max(0, machineBusySeconds() - busy0 - (own() - own0)) / seconds };
}

const QUIET = Number(process.env.SMTP_BENCH_QUIET_CORES ?? 0.15);
const DISTURBED = Number(process.env.SMTP_BENCH_DISTURBED_CORES ?? 0.3);
const MAX_WAIT_MS = Number(process.env.SMTP_BENCH_MAX_WAIT_S ?? 300) * 1000;

/** Waits (bounded) until others use less than QUIET cores over 2 s. */
export async function waitQuiet(own: () => number): Promise<void> {
  const until = Date.now() + MAX_WAIT_MS;
  let told = false;
  for (;;) {
    const { others } = await watch(own, () => new Promise((r) => setTimeout(r, 2000)));
    if (others < QUIET) return;
    if (Date.now() > until) return console.log(`    (still busy after ${MAX_WAIT_MS / 1000} s: others use ${others.toFixed(2)} cores; measuring anyway)`);
    if (!told) console.log(`    (waiting for a quiet machine: others use ${others.toFixed(2)} cores)`);
    told = true;
  }
}

/**
 * Runs on a quiet machine; again (up to `tries` times) while others used more than DISTURBED cores.
 * The least disturbed run wins; `runs` says how many were made.
 */
export async function guarded<T>(own: () => number, run: () => Promise<T>, tries = 3): Promise<Watched<T> & { runs: number }> {
  let best: Watched<T> | undefined;
  let runs = 0;
  while (runs < tries) {
    await waitQuiet(own);
    const r = await watch(own, run);
    runs++;
    if (!best || r.others < best.others) best = r;
    if (r.others <= DISTURBED) break;
  }
  return { ...best!, runs };
}
