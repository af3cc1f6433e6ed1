/**
 * onnxruntime-node sessions, created one way for every model: sequential execution, full graph
 * optimisation, one inter-op thread, `threads` intra-op threads (NEWSFUSE_ORT_THREADS, default 1),
 * spinning off unless asked for. Sessions are cached per process by (file, threads, spin), so the
 * text embedder, the joint embedder and OCR never load one file twice in a thread.
 *
 * The CPU memory arena stays on: in a probe while writing docs/benchmarks.md, turning it off raised
 * OCR's peak RSS and made it slower.
 */
import { modelEnv } from './config.ts';
import * as ort from 'onnxruntime-node';

export interface OrtSessionOptions {
  /** Intra-op threads. Default: NEWSFUSE_ORT_THREADS or 1. */
  threads?: number;
  /** Let idle intra-op threads spin (lower latency, burns CPU). Default false. */
  spin?: boolean;
}

export function defaultOrtThreads(): number {
  return modelEnv().NEWSFUSE_ORT_THREADS;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** The process's session for `path` with these options; a failed load is not cached. */
export function createOrtSession(path: string, options: OrtSessionOptions = {}): Promise<ort.InferenceSession> {
  const threads = options.threads ?? defaultOrtThreads();
  const spin = options.spin ?? false;
  const key = `${path}#${threads}#${spin}`;
  let p = sessions.get(key);
  if (!p) {
    p = ort.InferenceSession.create(path, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
    });
    sessions.set(key, p);
    p.catch(() => sessions.delete(key));
  }
  return p;
}

/** Sessions this process holds (tests: a second embedder with the same options adds none). */
export function ortSessionCount(): number {
  return sessions.size;
}
