// Analysis preload (bench/latency-causes.ts): records, with absolute times (epoch ms), every GC pause of the
// server's main thread and every stretch over 2 ms in which its event loop did not turn (a 1 ms timer that came
// late: GC, a synchronous SQLite checkpoint, any long callback), and writes both to $BENCH_PAUSES_OUT at exit.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const gc = [];
const stalls = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gc.push([performance.timeOrigin + e.startTime, e.duration, e.detail?.kind ?? 0]);
}).observe({ entryTypes: ['gc'] });
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - last > 3) stalls.push([performance.timeOrigin + last + 1, now - last - 1]);
  last = now;
}, 1).unref();
process.once('exit', () => writeFileSync(process.env.BENCH_PAUSES_OUT, JSON.stringify({ gc, stalls })));
process.stderr.write('bench shim: recording GC pauses and event-loop stalls\n');
