/**
 * CPU time read from Linux's /proc, for benchmarks on a shared machine: throughput there varies with other load,
 * CPU time per operation much less. A process's threads are listed too, so a benchmark can tell its event loop's
 * CPU time (what bounds its throughput: one core's worth at most) from its helper threads'.
 */
import { readFileSync } from 'node:fs';

/**
 * CPU seconds a process has used, all its threads, or one thread of it (/proc/<pid>[/task/<tid>]/stat, in clock
 * ticks of 10 ms).
 */
export function cpuSeconds(pid: number, thread?: number): number {
  // The fields after the command name, which may hold spaces and parentheses, hence from the last ')': utime and
  // stime are the 12th and 13th of those.
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
