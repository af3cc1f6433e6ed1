/**
 * Messages between a process's main thread and its shared job threads (pool.ts, serve.ts), and the way a
 * job's error crosses between them: a coded error (NewsFuseError) keeps its code and `retriable` flag, so
 * the main thread's BullMQ worker decides retry or dead letter as it would in-process; any other error
 * keeps its name, message and stack.
 */
import { NewsFuseError, isErrorCode } from '@newsfuse/shared/errors';

/** What a processor in a job thread sees of a BullMQ job (the fields extract's processors read). */
export interface ThreadJob<T = unknown> {
  id?: string;
  name: string;
  data: T;
  /** Attempts already made before this one (BullMQ's `attemptsMade`). */
  attemptsMade: number;
  opts: { attempts?: number };
}

export type ThreadProcessor = (job: ThreadJob<never>) => Promise<unknown>;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  retriable?: boolean;
}

export type ToThread = { type: 'job'; id: number; kind: string; job: ThreadJob } | { type: 'stop' };

export type FromThread =
  { type: 'ready' } | { type: 'done'; id: number; value: unknown } | { type: 'failed'; id: number; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  if (err instanceof NewsFuseError) return { ...out, code: err.code, retriable: err.retriable };
  return out;
}

/** The error again in the main thread: a NewsFuseError when it was one (same code and retriable), else an Error of the same name. */
export function deserializeError(e: SerializedError): Error {
  const err =
    e.code !== undefined && isErrorCode(e.code)
      ? new NewsFuseError(e.code, e.message, { retriable: e.retriable ?? false })
      : Object.assign(new Error(e.message), { name: e.name });
  if (e.stack) err.stack = e.stack;
  return err;
}
