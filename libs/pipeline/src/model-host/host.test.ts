/**
 * The model host with the real models: a host thread (start.ts, as extract's main starts it) and two
 * model-free job threads (fixtures/job.ts) that open their models through @newsfuse/models and so run
 * them in the host. Compared with the same model code on in-process sessions in this thread.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { createEmbedder } from '@newsfuse/models/text/embedder';
import { createDefaultImageAnalyzer } from '@newsfuse/models/image/features';
import { createOrtSession } from '@newsfuse/models/ort';
import { resolveModel } from '@newsfuse/models/registry';
import { withCode } from '@newsfuse/shared/errors';
import { imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';
import { modelHostOptions, startModelHost, type ModelHostHandle } from './start.ts';
import { threadEntry } from '../thread-entry.ts';
import { connectModelHost } from './client.ts';
import { concat, split } from './host.ts';
import type { HostStats } from './protocol.ts';

const JOB = threadEntry(new URL('./fixtures/job.ts', import.meta.url));
const skipWithoutShared = sharedMissing('the model-host test on a labelled photo');

interface Job {
  call<T>(req: Record<string, unknown>): Promise<T>;
  stop(): Promise<number>;
}

async function job(name: string): Promise<Job> {
  const w = new Worker(await JOB, { workerData: { name } });
  await new Promise<void>((resolve, reject) => {
    w.once('error', reject);
    w.once('message', () => resolve());
  });
  let next = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  w.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: Record<string, unknown> }) => {
    const p = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(Object.assign(new Error(String(m.error?.message)), m.error));
  });
  return {
    call: <T>(req: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        w.postMessage({ id, ...req });
      }),
    stop: () => w.terminate(),
  };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  assert.ok(max <= tol, `max abs diff ${max} > ${tol}`);
};

describe('model host: two job threads, one host thread', () => {
  const name = `nf-test-host-${randomBytes(4).toString('hex')}`;
  let host: ModelHostHandle;
  let a: Job;
  let b: Job;
  let emotion: string;

  before(async () => {
    // one intra-op thread, as the in-process reference sessions here, so results match bit for bit;
    // queue 2 and a long batch window so that back-pressure and batching both happen
    host = await startModelHost({ name, threads: 1, queue: 2, batchMs: 40, maxBatch: 8 });
    [a, b] = await Promise.all([job(name), job(name)]);
    emotion = await resolveModel('human-emotion-onnx');
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await host?.stop();
  });

  test(
    'concurrent requests from both threads give the in-process results; the queue stays bounded',
    { skip: skipWithoutShared },
    async () => {
      const bytes = new Uint8Array(await imagenetImage('n04493381_tub.JPEG'));
      const texts = ['Floods close the coast road.', 'The minister resigned on Tuesday after weeks of pressure.'];
      const [ra, rb, ea, eb] = await Promise.all([
        a.call<Record<string, unknown>>({ op: 'analyze', bytes }),
        b.call<Record<string, unknown>>({ op: 'analyze', bytes }),
        a.call<Float32Array[]>({ op: 'embed', texts }),
        b.call<Float32Array[]>({ op: 'embed', texts: [...texts].reverse() }),
      ]);
      const analyzer = await createDefaultImageAnalyzer({ hog: false });
      const ref = await analyzer.analyze(bytes);
      const want = { objects: ref.objects, ocr: ref.ocr, faces: ref.faces, textView: ref.textView, errors: ref.errors };
      assert.ok(ref.faces.length >= 3 && ref.objects.length > 0, 'the photo has faces and objects');
      assert.deepEqual(ra, want);
      assert.deepEqual(rb, want);
      const refVecs = await createEmbedder().embed(texts);
      assert.deepEqual(ea, refVecs);
      assert.deepEqual(eb, [...refVecs].reverse());
      const [stats, statsB] = await Promise.all([
        a.call<HostStats & { waits: number }>({ op: 'stats' }),
        b.call<{ waits: number }>({ op: 'stats' }),
      ]);
      assert.equal(stats.maxQueued, 2, 'the host held as many requests as its bound, never more');
      assert.ok(stats.waits + statsB.waits > 0, 'callers waited for a free slot (back-pressure)');
      assert.ok(stats.requests >= 10, `every run went through the host (${stats.requests})`);
      assert.equal(stats.threads, 1);
    },
  );

  test('the expression model is micro-batched across threads; the batched outputs equal the unbatched', async () => {
    const crops = Array.from({ length: 3 }, (_, k) => Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i * (k + 1) * 0.01)));
    const before = await a.call<HostStats>({ op: 'stats' });
    const [oa, ob] = await Promise.all([
      a.call<Float32Array[]>({ op: 'expr', path: emotion, crops }),
      b.call<Float32Array[]>({ op: 'expr', path: emotion, crops }),
    ]);
    const after = await a.call<HostStats>({ op: 'stats' });
    assert.ok(after.batchedRuns > before.batchedRuns, 'some requests ran as one batch');
    assert.ok(after.maxQueued <= 2, `the queue bound holds (${after.maxQueued})`);
    const s = await createOrtSession(emotion);
    for (const [i, c] of crops.entries()) {
      const ref = (await s.run({ [s.inputNames[0]!]: { type: 'float32', data: c, dims: [1, 64, 64, 1] } }))[s.outputNames[0]!]!
        .data as Float32Array;
      close(oa![i]!, ref, 1e-6);
      close(ob![i]!, ref, 1e-6);
    }
  });

  test("a model's error comes back as the error the caller would get in-process (its own code)", async () => {
    const err = await a.call({ op: 'bad', path: emotion }).then(
      () => assert.fail('a wrongly shaped input must fail'),
      (e: { code?: string; message: string }) => e,
    );
    const s = await createOrtSession(emotion);
    const local = await withCode('FACES_FAILED', 'face analyzer', () =>
      s.run({ [s.inputNames[0]!]: { type: 'float32', data: new Float32Array(32 * 32), dims: [1, 32, 32, 1] } }),
    ).then(
      () => assert.fail('in-process too'),
      (e: { code?: string; message: string }) => e,
    );
    assert.equal(err.code, 'FACES_FAILED');
    assert.equal(err.message, local.message);
    // and the host goes on serving
    const [v] = await b.call<Float32Array[]>({ op: 'expr', path: emotion, crops: [new Float32Array(64 * 64)] });
    assert.equal(v!.length, 7);
  });
});

test(
  'a host without the arena (MODEL_HOST_ARENA=false) gives the same analysis; the host reports its heap and packages',
  { skip: skipWithoutShared },
  async () => {
    const name = `nf-test-noarena-${randomBytes(4).toString('hex')}`;
    const options = modelHostOptions(
      {
        MODEL_HOST_THREADS: 1,
        MODEL_HOST_QUEUE: 4,
        MODEL_HOST_BATCH_MS: 0,
        MODEL_HOST_MAX_BATCH: 1,
        MODEL_HOST_SPIN: false,
        MODEL_HOST_ARENA: false,
      },
      name,
    );
    assert.equal(options.arena, false);
    assert.equal(
      modelHostOptions({ MODEL_HOST_QUEUE: 4, MODEL_HOST_BATCH_MS: 0, MODEL_HOST_MAX_BATCH: 1, MODEL_HOST_SPIN: false }).arena,
      true,
      'on by default',
    );
    const host = await startModelHost(options);
    const j = await job(name);
    try {
      const bytes = new Uint8Array(await imagenetImage('n04493381_tub.JPEG'));
      const got = await j.call<Record<string, unknown>>({ op: 'analyze', bytes });
      const ref = await (await createDefaultImageAnalyzer({ hog: false })).analyze(bytes);
      assert.deepEqual(got, { objects: ref.objects, ocr: ref.ocr, faces: ref.faces, textView: ref.textView, errors: ref.errors });
      const stats = await j.call<HostStats>({ op: 'stats' });
      assert.equal(stats.arena, false);
      const memory = await host.memory();
      assert.ok(memory.packages.includes('onnxruntime-node'), `the host loaded onnxruntime (${memory.packages.join(' ')})`);
      assert.ok(!memory.packages.includes('sharp'), 'and no image decoder: the job threads decode');
      assert.ok(memory.heapUsedMb > 0 && memory.heapTotalMb >= memory.heapUsedMb);
    } finally {
      await j.stop();
      await host.stop();
    }
  },
);

test('a host thread that ends is started again; the client opens its sessions on the new host', async () => {
  const name = `nf-test-restart-${randomBytes(4).toString('hex')}`;
  const host = await startModelHost({ name, threads: 1, queue: 4, batchMs: 0, maxBatch: 1 });
  const client = connectModelHost({ name, connectTimeoutMs: 20_000 });
  try {
    const path = await resolveModel('human-centernet-onnx');
    const s = await client.open(path, { threads: 1, spin: false, arena: true, batchable: false, shapes: 'fixed' });
    const input = { type: 'float32', data: new Float32Array(512 * 512 * 3), dims: [1, 512, 512, 3] };
    assert.ok((await s.run({ [s.inputNames[0]!]: input }))[s.outputNames[0]!]);
    // a run in flight when the host ends: answered if the host had taken it (it drains before it exits),
    // else MODEL_HOST_FAILED, retriable, once the new host is up — never a hang or a dead process
    const inFlight = s.run({ [s.inputNames[0]!]: input }).then(
      (out) => assert.ok(out[s.outputNames[0]!]),
      (e: { code?: string; retriable?: boolean }) => assert.deepEqual([e.code, e.retriable], ['MODEL_HOST_FAILED', true]),
    );
    await new Promise((r) => setTimeout(r, 20));
    await host.restart();
    await inFlight;
    // the session is opened again on the new host on next use
    assert.ok((await s.run({ [s.inputNames[0]!]: input }))[s.outputNames[0]!]);
    assert.equal(host.starts, 2);
  } finally {
    client.close();
    await host.stop();
  }
});

test('no host answering: MODEL_HOST_FAILED, retriable', async () => {
  const client = connectModelHost({ name: `nf-test-nohost-${randomBytes(4).toString('hex')}`, connectTimeoutMs: 400 });
  try {
    await assert.rejects(
      client.open('/nonexistent.onnx', { threads: 1, spin: false, arena: true, batchable: false, shapes: 'fixed' }),
      (e: unknown) => {
        const err = e as { code?: string; retriable?: boolean };
        return err.code === 'MODEL_HOST_FAILED' && err.retriable === true;
      },
    );
  } finally {
    client.close();
  }
});

test('batch concat and split along dimension 0', () => {
  const f = (n: number, v: number) => ({ x: { type: 'float32', dims: [n, 2], data: new Float32Array(2 * n).fill(v) } });
  const c = concat([f(1, 1), f(2, 2)]);
  assert.deepEqual(c.x!.dims, [3, 2]);
  assert.deepEqual([...c.x!.data], [1, 1, 2, 2, 2, 2]);
  const parts = split({ y: { type: 'float32', dims: [3, 1], data: new Float32Array([5, 6, 7]) } }, [1, 2]);
  assert.deepEqual([...parts[0]!.y!.data], [5]);
  assert.deepEqual([...parts[1]!.y!.data], [6, 7]);
  assert.ok(parts[1]!.y!.data.buffer instanceof SharedArrayBuffer);
  assert.throws(() => split({ y: { type: 'float32', dims: [2, 1], data: new Float32Array(2) } }, [1, 2]), /2 rows for a batch of 3/);
});
