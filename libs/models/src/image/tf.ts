/**
 * TensorFlow.js runtime for the TFJS graph models (detector, faces): tfjs-core + tfjs-converter
 * on the WebAssembly backend, whose .wasm binaries ship inside the npm package (no install-time
 * download, unlike tfjs-node). One backend per process, initialised once.
 *
 * Threads: tfjs-backend-wasm is single-threaded under Node (its multi-thread build needs browser
 * workers; the backend hard-codes WASM_HAS_MULTITHREAD_SUPPORT=false when IS_NODE), so
 * parallelism for these models comes from running more worker threads/processes, each with its
 * own backend. SIMD is used when available (it is on Node 20).
 */
import { modelEnv } from '../config.ts';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

export { tf };
export type { GraphModel };

export interface TfRuntimeOptions {
  /** 'wasm' (default) or 'cpu' (pure JS; slow, for debugging). Env: NEWSFUSE_TF_BACKEND. */
  backend?: 'wasm' | 'cpu';
}

let ready: Promise<string> | null = null;

/** Initialise the tfjs backend once per process; later calls return the same promise. */
export function initTf(opts: TfRuntimeOptions = {}): Promise<string> {
  ready ??= (async () => {
    const want = opts.backend ?? modelEnv().NEWSFUSE_TF_BACKEND ?? 'wasm';
    if (want === 'wasm') {
      const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
      setWasmPaths(dirname(main) + '/');
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    // The emscripten glue of the wasm backend installs process-wide 'uncaughtException' and
    // 'unhandledRejection' listeners that rethrow (printing its whole minified source line).
    // Error handling belongs to the host service, so remove whatever listeners init added.
    const before = {
      uncaughtException: process.listeners('uncaughtException'),
      unhandledRejection: process.listeners('unhandledRejection'),
    };
    try {
      if (!(await tf.setBackend(want))) throw new Error(`tfjs backend ${want} failed to initialise`);
      await tf.ready();
    } finally {
      for (const l of process.listeners('uncaughtException'))
        if (!before.uncaughtException.includes(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection'))
        if (!before.unhandledRejection.includes(l)) process.removeListener('unhandledRejection', l);
    }
    return tf.getBackend();
  })();
  ready.catch(() => (ready = null));
  return ready;
}

/**
 * Load a TFJS graph model from a local model.json (weights shards beside it), without fetch:
 * Node's fetch does not do file:// and tfjs-node's file handler is not used here.
 */
export async function loadGraphModelFile(jsonPath: string): Promise<GraphModel> {
  await initTf();
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
  const dir = dirname(jsonPath);
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Buffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) parts.push(await readFile(join(dir, p)));
        }
        const all = Buffer.concat(parts);
        return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
      }),
  };
  return loadGraphModel(handler);
}

/** An RGB raster as a [1, h, w, 3] float32 tensor with values 0..255. */
export function rgbTensor(img: { data: Uint8Array; width: number; height: number }): tf.Tensor4D {
  return tf.tidy(() => tf.cast(tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32'), 'float32')) as tf.Tensor4D;
}
