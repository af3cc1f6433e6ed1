/**
 * Prompt collection of the tensors a model-host thread or client has let go of. They live outside V8's heap
 * (SharedArrayBuffers, onnxruntime's output buffers), and V8 frees such memory only at a full collection,
 * which it starts once ~64 MB of it have piled up per isolate; with several threads that is hundreds of MB
 * of garbage. A thread notes the bytes of the tensors it allocates or receives, and once `limitMb` have
 * passed since the last collection it runs one (on the next turn of its event loop).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined;

function collectNow(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

export interface TensorCollector {
  /** Bytes of tensors allocated or received by this thread. */
  note(bytes: number): void;
  readonly collections: number;
}

export function tensorCollector(limitMb: number): TensorCollector {
  const limit = limitMb * 1024 * 1024;
  let pending = 0;
  let scheduled = false;
  let collections = 0;
  return {
    note(bytes) {
      if (limit <= 0) return;
      pending += bytes;
      if (pending < limit || scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        pending = 0;
        collections++;
        collectNow();
      });
    },
    get collections() {
      return collections;
    },
  };
}

/** Bytes of a set of named tensors (what a thread notes for a run's inputs or outputs). */
export function tensorBytes(tensors: Record<string, { data: ArrayBufferView }>): number {
  let bytes = 0;
  for (const t of Object.values(tensors)) bytes += t.data.byteLength;
  return bytes;
}
