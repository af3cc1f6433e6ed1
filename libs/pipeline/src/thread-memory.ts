/**
 * What one thread of a process holds (the memory breakdown of `bench/lib/alone.ts --breakdown`,
 * docs/model-host.md, Memory): its V8 heap, the memory outside the heap its isolate accounts for
 * (ArrayBuffers, SharedArrayBuffers, native objects), and the packages it has loaded.
 */
import { readlinkSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { createRequire } from 'node:module';

export interface ThreadMemory {
  /** V8 heap in use and committed (this isolate), MB. */
  heapUsedMb: number;
  heapTotalMb: number;
  /** Memory outside the heap that this isolate accounts for (ArrayBuffers included), MB. */
  externalMb: number;
  arrayBuffersMb: number;
  /** npm packages this thread has loaded through CommonJS (an ES module package is not listed), sorted. */
  packages: string[];
  /** The operating system's id of this thread (Linux: /proc/thread-self), to find its CPU time in /proc. */
  tid?: number;
}

const MB = 1024 * 1024;
const require = createRequire(import.meta.url);

/** The package a node_modules path belongs to (`@scope/name` or `name`). */
export function packageOf(file: string): string | undefined {
  const i = file.lastIndexOf('/node_modules/');
  if (i < 0) return undefined;
  const parts = file.slice(i + '/node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** The calling thread's id in the operating system (Linux), else undefined. */
export function osThreadId(): number | undefined {
  try {
    const tid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    return Number.isInteger(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

export function threadMemory(): ThreadMemory {
  const h = getHeapStatistics();
  const m = process.memoryUsage();
  const packages = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const p = packageOf(file);
    if (p) packages.add(p);
  }
  const tid = osThreadId();
  return {
    heapUsedMb: h.used_heap_size / MB,
    heapTotalMb: h.total_heap_size / MB,
    externalMb: m.external / MB,
    arrayBuffersMb: m.arrayBuffers / MB,
    packages: [...packages].sort(),
    ...(tid === undefined ? {} : { tid }),
  };
}
