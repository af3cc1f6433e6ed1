/**
 * One worker thread of the "extract work alone" run: the same extractor the extract service's sandboxed
 * processors use (services/extract/src/processors/shared.ts), fed jobs over a message port instead of
 * BullMQ — no Kafka, no Redis queues, no flows.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ImageJobData, TextJobData } from '@newsfuse/shared';
import { getExtractor } from '../../services/extract/src/processors/shared.ts';

type Msg = { id: number; kind: 'text'; job: TextJobData } | { id: number; kind: 'image'; job: ImageJobData };

const extractor = getExtractor((workerData as { role: 'text' | 'image' }).role);
parentPort!.on('message', (m: Msg) => {
  const t0 = performance.now();
  const work = m.kind === 'text' ? extractor.text(m.job) : extractor.image(m.job, { number: 1, of: 1 });
  work.then(
    (out) => parentPort!.postMessage({ id: m.id, ms: performance.now() - t0, ok: out.status === 'ok' }),
    (err: unknown) => parentPort!.postMessage({ id: m.id, ms: performance.now() - t0, ok: false, error: String(err) }),
  );
});
parentPort!.postMessage({ ready: true });
