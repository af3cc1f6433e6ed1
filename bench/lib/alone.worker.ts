/**
 * One worker thread of the "extract work alone" run: the extractor the extract service's sandboxed
 * processors build (@newsfuse/pipeline/extractor), fed jobs over a message port instead of BullMQ — no
 * Kafka, no Redis queues, no flows; document frequencies are counted in memory instead of Redis.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ImageJobData, TextJobData } from '@newsfuse/shared/jobs';
// the config module only, as extract's processors import it (the package's index brings Kafka, Fastify, Redis)
import { loadConfig } from '@newsfuse/shared/config';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { createJobThreadExtractor } from '@newsfuse/pipeline/job-extractor';
import { threadMemory } from '@newsfuse/pipeline/thread-memory';

type Msg =
  { id: number; kind: 'text'; job: TextJobData } | { id: number; kind: 'image'; job: ImageJobData } | { id: number; kind: 'memory' };

const cfg = loadConfig(AnalysisConfigSchema);
const role = (workerData as { role: 'text' | 'image' | 'both' }).role;
// Built as extract's processors build theirs; the models it sends to a host go to the one alone.ts starts.
const extractor = createJobThreadExtractor(cfg, role);
parentPort!.on('message', (m: Msg) => {
  // the memory breakdown (alone.ts --breakdown): this thread's heap and packages
  if (m.kind === 'memory') return parentPort!.postMessage({ id: m.id, ok: true, memory: threadMemory() });
  const t0 = performance.now();
  const work = m.kind === 'text' ? extractor.text(m.job) : extractor.image(m.job, { number: 1, of: 1 });
  work.then(
    (out) =>
      parentPort!.postMessage({
        id: m.id,
        ms: performance.now() - t0,
        ok: out.status === 'ok',
        // Text jobs: which language's analyzer read it, and the dimension of its sentence space.
        ...(m.kind === 'text' && 'language' in out ? { language: out.language, dim: out.embedding?.length ?? 0 } : {}),
      }),
    (err: unknown) => parentPort!.postMessage({ id: m.id, ms: performance.now() - t0, ok: false, error: String(err) }),
  );
});
parentPort!.postMessage({ ready: true });
