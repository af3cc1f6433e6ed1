/**
 * Process accounting from /proc (Linux): CPU seconds (user + system, all threads) and resident memory,
 * sampled while a run goes. Peak RSS is the kernel's high-water mark (VmHWM), so a short spike between
 * two samples still counts.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

export interface ProcStat {
  cpuS: number;
  rssMb: number;
  hwmMb: number;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces) start at index 2 = state
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(rest[11]) + Number(rest[12])) / TICKS; // utime, stime
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { cpuS, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Threads of a process by tid: name (comm), ms on a CPU, ms runnable but waiting for one. */
export type ThreadTimes = Map<number, { name: string; cpuMs: number; waitMs: number }>;

/**
 * Every thread of process `pid` now: its name (comm), its time on a CPU so far and its time runnable but
 * waiting for a CPU (the run queue), ms (/proc/<pid>/task/<tid>/schedstat, nanoseconds; a thread that has
 * ended is not listed).
 */
export function threadCpu(pid = process.pid): ThreadTimes {
  const out: ThreadTimes = new Map();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids)
    try {
      const [onCpu, queued] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(Number(tid), { name, cpuMs: onCpu! / 1e6, waitMs: queued! / 1e6 });
    } catch {
      // ended while listed
    }
  return out;
}

/** One thread's time over a run, ms per article: on a CPU and runnable but waiting for one. */
export interface ThreadSpent {
  tid: number;
  name: string;
  cpu: number;
  queued: number;
}

/** Every thread of `after` over the run since `before`, ms per article (a thread started during the run counts from zero). */
export function threadsSpent(before: ThreadTimes, after: ThreadTimes, articles: number): ThreadSpent[] {
  return [...after].map(([tid, t]) => {
    const b = before.get(tid);
    return { tid, name: t.name, cpu: (t.cpuMs - (b?.cpuMs ?? 0)) / articles, queued: (t.waitMs - (b?.waitMs ?? 0)) / articles };
  });
}

/** Threads' time summed by the label `labelOf` gives each (unrounded), on a CPU and in the run queue. */
export function sumThreads(
  spent: ThreadSpent[],
  labelOf: (t: ThreadSpent) => string,
): { cpu: Record<string, number>; queued: Record<string, number> } {
  const cpu: Record<string, number> = {};
  const queued: Record<string, number> = {};
  for (const t of spent) {
    const label = labelOf(t);
    cpu[label] = (cpu[label] ?? 0) + t.cpu;
    queued[label] = (queued[label] ?? 0) + t.queued;
  }
  return { cpu, queued };
}

/** Ms rounded to 0.1, each value of a record. */
export const roundMs = (r: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 10) / 10]));

/**
 * The one extract process's threads over a run, ms per article, the busiest first: `main` (its tid is the
 * pid), then each other thread by its rank of CPU (`#1`, `#2`, …: Node names them all "node", so the job
 * threads, the model host and V8's and Node's helpers are told apart by what they spent), the threads
 * under 0.1 ms per article summed as `others`. `cpu`: time on a CPU; `queued`: time runnable but waiting
 * for one (the run queue). A thread started during the run counts from zero.
 */
export function busiestThreads(
  before: ThreadTimes,
  after: ThreadTimes,
  pid: number,
  articles: number,
): { cpu: Record<string, number>; queued: Record<string, number> } {
  const spent = threadsSpent(before, after, articles);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const cpu: Record<string, number> = {};
  const queued: Record<string, number> = {};
  const main = spent.find((t) => t.tid === pid);
  [cpu.main, queued.main] = [round(main?.cpu ?? 0), round(main?.queued ?? 0)];
  const rest = spent.filter((t) => t.tid !== pid).sort((a, b) => b.cpu - a.cpu);
  let [othersCpu, othersQueued] = [0, 0];
  for (const [i, t] of rest.entries()) {
    if (t.cpu >= 0.1) [cpu[`#${i + 1}`], queued[`#${i + 1}`]] = [round(t.cpu), round(t.queued)];
    else [othersCpu, othersQueued] = [othersCpu + t.cpu, othersQueued + t.queued];
  }
  [cpu.others, queued.others] = [round(othersCpu), round(othersQueued)];
  return { cpu, queued };
}

/** What the Kafka broker's JVM threads do, as {@link brokerThreadKind} names it. */
export const BROKER_KINDS = {
  jit: 'JIT compilers',
  requests: 'requests (network and handler threads)',
  coordinator: 'group coordinator (offset commits, heartbeats)',
  gc: 'garbage collection',
  other: 'other (raft, metadata, timers, VM)',
} as const;

/** What a thread of the Kafka broker's JVM does, from its name (comm, 15 characters: "C2 CompilerThre"). */
export function brokerThreadKind(name: string): string {
  if (/^C[12] Compiler/.test(name)) return BROKER_KINDS.jit;
  if (name.startsWith('data-plane-kafk')) return BROKER_KINDS.requests;
  if (name.startsWith('group-coordinat')) return BROKER_KINDS.coordinator;
  if (/^(GC Thread|G1 )/.test(name)) return BROKER_KINDS.gc;
  return BROKER_KINDS.other;
}

/** The Kafka broker's CPU over a run by what its threads do ({@link brokerThreadKind}), ms per article. */
export function brokerThreads(before: ThreadTimes, after: ThreadTimes, articles: number): Record<string, number> {
  return roundMs(sumThreads(threadsSpent(before, after, articles), (t) => brokerThreadKind(t.name)).cpu);
}

/**
 * The whole machine's CPU so far (/proc/stat, first line): seconds busy (everything but idle and iowait)
 * and in total, summed over the cores — whoever spent it, this benchmark and other tenants included.
 */
export function machineCpu(): { busyS: number; totalS: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busyS: (total - f[3]! - f[4]!) / TICKS, totalS: total / TICKS };
}

/**
 * The vector instructions of this CPU that onnxruntime's kernels choose between (from the `flags` line of
 * /proc/cpuinfo): AVX-512 and VNNI (int8 dot products in one instruction, AVX-512 or AVX encoded) change
 * what a model run costs several-fold — MiniLM's int8 runs took ~4x the CPU on an AVX2-only EPYC of what
 * they took on one with AVX-512 VNNI — so a figure is only comparable with figures from the same set.
 */
export function cpuSimd(cpuinfo?: string): string {
  let text = cpuinfo;
  if (text === undefined)
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '?';
    }
  const flags = new Set((/^flags\s*:(.*)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/));
  if (flags.size <= 1) return '?';
  const has = (...names: string[]) => names.some((n) => flags.has(n));
  const parts = [
    has('avx512f') ? 'AVX-512' : has('avx2') ? 'AVX2' : has('avx') ? 'AVX' : 'SSE',
    has('avx512_vnni', 'avx_vnni') ? 'VNNI' : 'no VNNI',
  ];
  if (has('amx_int8')) parts.push('AMX');
  return parts.join(', ');
}

/** CPU seconds of every process in `pids`, keyed like the input. */
export function cpuOf(pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procStat(pid)?.cpuS ?? 0]));
}

/** Samples RSS of the processes every `everyMs`; `stop()` returns the peak (VmHWM) per process. */
export function watchMemory(pids: () => Record<string, number>, everyMs = 500) {
  const peak: Record<string, number> = {};
  const tick = () => {
    for (const [name, pid] of Object.entries(pids())) {
      const s = procStat(pid);
      if (s) peak[name] = Math.max(peak[name] ?? 0, s.hwmMb, s.rssMb);
    }
  };
  const timer = setInterval(tick, everyMs);
  return {
    peak,
    stop() {
      tick();
      clearInterval(timer);
      return { ...peak };
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
