// Memory of a running server as the kernel sees it: resident set now, and the peak since the last reset.
import { readFileSync, writeFileSync } from 'node:fs';

const kib = (status: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;

export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: kib(status, 'VmRSS'), peak: kib(status, 'VmHWM') };
}

/** Starts a new peak (VmHWM) measurement from the current RSS (Linux clear_refs). */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
