/**
 * The model host with the real models: a host thread (start.ts, as extract's main starts it) and two
 * model-free job threads (fixtures/job.ts) that open their models through @newsfuse/models and so run
 * them in the host. Compared with the same model code on in-process sessions in this thread.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createEmbedder, MODEL_NAME } from '@newsfuse/models/text/embedder';
import { createTextAnalyzer, type TextFeatures } from '@newsfuse/models/text/features';
import { createMemoryDocFreq } from '@newsfuse/models/text/docfreq';
import { createDefaultImageAnalyzer } from '@newsfuse/models/image/features';
import { createOrtSession, type TensorData } from '@newsfuse/models/ort';
import { resolveModel } from '@newsfuse/models/registry';
import { withCode } from '@newsfuse/shared/errors';
import { imagenetImage, sharedMissing } from '@newsfuse/testkit/paths';
import { modelHostOptions, startModelHost, type ModelHostHandle } from './start.ts';
import { threadEntry } from '../thread-entry.ts';
import { connectModelHost } from './client.ts';
import { concat, split } from './host.ts';
import { RUNS_PER_REQUEST, type HostStats } from './protocol.ts';
import { shardName } from './shards.ts';

const JOB = threadEntry(new URL('./fixtures/job.ts', import.meta.url));
const skipWithoutShared = sharedMissing('the model-host test on a labelled photo');

interface Job {
  call<T>(req: Record<string, unknown>): Promise<T>;
  stop(): Promise<number>;
}

async function job(name: string, shards = 1): Promise<Job> {
  const w = new Worker(await JOB, { workerData: { name, shards } });
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

/** The host settings of the tests that start a host from AnalysisConfig values: a small queue, no batching. */
const HOST_CFG = { MODEL_HOST_QUEUE: 4, MODEL_HOST_BATCH_MS: 0, MODEL_HOST_MAX_BATCH: 1, MODEL_HOST_SPIN: false };

/** A session's options as createOrtSession would hand them to the host client: a normal (image) or fast-lane (text) session. */
const openOptions = (lane: 'normal' | 'fast') =>
  lane === 'fast'
    ? { threads: 1, spin: false, arena: true, batchable: false, shapes: 'variable' as const, lane, group: 'text' }
    : { threads: 1, spin: false, arena: true, batchable: false, shapes: 'fixed' as const, lane, group: 'vision' };

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

  test("a text job in the host: its encoder runs go as one request, and its features are the in-process analyzer's", async () => {
    const article = {
      title: 'Storm closes schools across the region',
      body: 'Heavy rain flooded roads on Monday. Officials closed forty schools. Power was cut to thousands of homes. Crews worked through the night. The weather service expects more rain on Wednesday.',
    };
    const before = await a.call<HostStats>({ op: 'stats' });
    const got = await a.call<TextFeatures>({ op: 'text', ...article });
    const after = await a.call<HostStats>({ op: 'stats' });
    const want = await createTextAnalyzer({ embedder: createEmbedder(), docFreq: createMemoryDocFreq() }).analyze(article);
    assert.deepEqual(got, want, 'the same features, to the last bit');
    assert.ok(want.sentimentModel, 'the learned sentiment model embeds the sentences');
    // title + lead, then the headline and the five body sentences for the sentiment model: 7 runs, one request
    assert.equal(after.runs - before.runs, 7);
    assert.equal(after.fastRequests - before.fastRequests, 1);
    assert.equal(after.requests - before.requests, 1);
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
  'a host of two shards (the default on 2 cores): the detector and faces on one thread, OCR and the text encoder on the other, the same outputs',
  { skip: skipWithoutShared },
  async () => {
    const name = `nf-test-shards-${randomBytes(4).toString('hex')}`;
    const options = modelHostOptions({ ...HOST_CFG, MODEL_HOST_SHARDS: 2 }, name);
    assert.equal(options.shards, 2);
    assert.equal(options.gcMb, 0, "the host's threads leave their tensors to V8 unless MODEL_HOST_GC_MB says otherwise");
    assert.equal(modelHostOptions({ ...HOST_CFG, MODEL_HOST_GC_MB: 32 }).gcMb, 32);
    assert.equal(modelHostOptions({ ...HOST_CFG, MODEL_HOST_SHARDS: 1 }).threads, availableParallelism(), 'one shard: every core');
    const host = await startModelHost(options);
    const j = await job(name, 2);
    const shard = [connectModelHost({ name: shardName(name, 0) }), connectModelHost({ name: shardName(name, 1) })];
    try {
      const bytes = new Uint8Array(await imagenetImage('n04493381_tub.JPEG'));
      const [got, vectors] = await Promise.all([
        j.call<Record<string, unknown>>({ op: 'analyze', bytes }),
        j.call<number[][]>({ op: 'embed', texts: ['A bathtub in a tiled bathroom.', 'Shares fell sharply on Monday.'] }),
      ]);
      const ref = await (await createDefaultImageAnalyzer({ hog: false })).analyze(bytes);
      assert.deepEqual(got, { objects: ref.objects, ocr: ref.ocr, faces: ref.faces, textView: ref.textView, errors: ref.errors });
      const refVectors = await createEmbedder().embed(['A bathtub in a tiled bathroom.', 'Shares fell sharply on Monday.']);
      vectors.forEach((v, i) => close(v, refVectors[i]!, 1e-5));

      const [s0, s1] = await Promise.all(shard.map((c) => c.stats()));
      const files = (s: HostStats) => s.sessions.map((k) => k.split('#')[0]!.split('/').pop()!).sort();
      assert.deepEqual(files(s0!), ['blazeface.onnx', 'centernet.onnx', 'emotion.onnx'], 'shard 0: the detector and faces');
      assert.ok(
        files(s1!).some((f) => /PP-OCRv4_det/.test(f)) && files(s1!).some((f) => /PP-OCRv4_rec/.test(f)),
        `shard 1: OCR (${files(s1!)})`,
      );
      assert.ok(
        files(s1!).some((f) => /minilm/i.test(f)),
        `and the text encoder (${files(s1!)})`,
      );
      assert.equal(s0!.threads, Math.max(1, Math.floor(availableParallelism() / 2)), 'the cores shared out among the shards');
      const all = await j.call<HostStats & { shards: number }>({ op: 'stats' });
      assert.equal(all.shards, 2);
      assert.equal(all.runs, s0!.runs + s1!.runs, 'the client adds its shards up');
      assert.equal((await host.memory()).length, 2);
    } finally {
      shard.forEach((c) => c.close());
      await j.stop();
      await host.stop();
    }
  },
);

test(
  'a host without the arena (MODEL_HOST_ARENA=false) gives the same analysis; the host reports its heap and packages',
  { skip: skipWithoutShared },
  async () => {
    const name = `nf-test-noarena-${randomBytes(4).toString('hex')}`;
    const options = modelHostOptions({ ...HOST_CFG, MODEL_HOST_SHARDS: 1, MODEL_HOST_THREADS: 1, MODEL_HOST_ARENA: false }, name);
    assert.equal(options.arena, false);
    assert.equal(modelHostOptions(HOST_CFG).arena, true, 'on by default');
    const host = await startModelHost(options);
    const j = await job(name);
    try {
      const bytes = new Uint8Array(await imagenetImage('n04493381_tub.JPEG'));
      const got = await j.call<Record<string, unknown>>({ op: 'analyze', bytes });
      const ref = await (await createDefaultImageAnalyzer({ hog: false })).analyze(bytes);
      assert.deepEqual(got, { objects: ref.objects, ocr: ref.ocr, faces: ref.faces, textView: ref.textView, errors: ref.errors });
      const stats = await j.call<HostStats>({ op: 'stats' });
      assert.equal(stats.arena, false);
      const [memory, ...more] = await host.memory();
      assert.ok(memory && more.length === 0, 'one thread: one shard');
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
    const s = await client.open(path, openOptions('normal'));
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

test('a session that cannot be opened again on a new host gives its queue slot back', async () => {
  const { copyFile, mkdtemp, rename, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const name = `nf-test-reopen-${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'nf-reopen-'));
  const path = join(dir, 'centernet.onnx');
  await copyFile(await resolveModel('human-centernet-onnx'), path);
  // one slot per lane: a slot lost once would hold every later run of the lane forever
  const host = await startModelHost({ name, threads: 1, queue: 1, batchMs: 0, maxBatch: 1 });
  const client = connectModelHost({ name, connectTimeoutMs: 20_000 });
  const within = <T>(p: Promise<T>, what: string) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${what}: no answer in 30 s (a queue slot lost?)`)), 30_000).unref(),
      ),
    ]);
  try {
    const s = await client.open(path, openOptions('normal'));
    const input = { type: 'float32', data: new Float32Array(512 * 512 * 3), dims: [1, 512, 512, 3] };
    const feeds = { [s.inputNames[0]!]: input };
    assert.ok((await s.run(feeds))[s.outputNames[0]!]);
    await host.restart();
    // the model file is gone: opening the session on the new host fails, and so does the run
    await rename(path, `${path}.away`);
    await assert.rejects(within(s.run(feeds), 'the failing run'));
    // back in place: the next run takes the lane's only slot again and is answered
    await rename(`${path}.away`, path);
    assert.ok((await within(s.run(feeds), 'the run after the failure'))[s.outputNames[0]!]);
  } finally {
    client.close();
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('no host answering: MODEL_HOST_FAILED, retriable', async () => {
  const client = connectModelHost({ name: `nf-test-nohost-${randomBytes(4).toString('hex')}`, connectTimeoutMs: 400 });
  try {
    await assert.rejects(client.open('/nonexistent.onnx', openOptions('normal')), (e: unknown) => {
      const err = e as { code?: string; retriable?: boolean };
      return err.code === 'MODEL_HOST_FAILED' && err.retriable === true;
    });
  } finally {
    client.close();
  }
});

/** MiniLM's inputs for `n` word pieces (any ids: the test compares runs, not meanings). */
function tokens(n: number, seed = 1): Record<string, TensorData> {
  const len = n + 2;
  const ids = BigInt64Array.from({ length: len }, (_, i) =>
    i === 0 ? 101n : i === len - 1 ? 102n : BigInt(1000 + ((i * 37 * seed) % 2000)),
  );
  return {
    input_ids: { type: 'int64', data: ids, dims: [1, len] },
    attention_mask: { type: 'int64', data: new BigInt64Array(len).fill(1n), dims: [1, len] },
    token_type_ids: { type: 'int64', data: new BigInt64Array(len), dims: [1, len] },
  };
}

test('runMany: the runs of one request give what each run gives alone; a long list goes as a few requests', async () => {
  const name = `nf-test-runs-${randomBytes(4).toString('hex')}`;
  const host = await startModelHost({ name, threads: 1, queue: 4, batchMs: 0, maxBatch: 1 });
  const client = connectModelHost({ name, connectTimeoutMs: 20_000 });
  try {
    const path = await resolveModel(MODEL_NAME);
    const text = await client.open(path, openOptions('fast'));
    const feeds = Array.from({ length: RUNS_PER_REQUEST + 4 }, (_, i) => tokens(3 + (i % 9), i + 1));
    const before = await client.stats();
    const many = await text.runMany!(feeds);
    const after = await client.stats();
    assert.equal(after.requests - before.requests, 2, `${feeds.length} runs, at most ${RUNS_PER_REQUEST} a request`);
    assert.equal(after.runs - before.runs, feeds.length);
    const local = await createOrtSession(path, { threads: 1, shapes: 'variable' });
    assert.equal(many.length, feeds.length);
    for (const [i, f] of feeds.entries()) {
      assert.deepEqual(many[i]!.last_hidden_state!.data, (await text.run(f)).last_hidden_state!.data, `run ${i} in the host, alone`);
      assert.deepEqual(many[i]!.last_hidden_state!.data, (await local.run(f)).last_hidden_state!.data, `run ${i} in-process`);
    }
  } finally {
    client.close();
    await host.stop();
  }
});

test("runWith: a session's outputs go back into the memory of its earlier runWith outputs, which run's never are", async () => {
  const name = `nf-test-runwith-${randomBytes(4).toString('hex')}`;
  const host = await startModelHost({ name, threads: 1, queue: 4, batchMs: 0, maxBatch: 1 });
  const client = connectModelHost({ name, connectTimeoutMs: 20_000 });
  try {
    const path = await resolveModel(MODEL_NAME);
    const text = await client.open(path, openOptions('fast'));
    const local = await createOrtSession(path, { threads: 1, shapes: 'variable' });
    const expected = async (f: ReturnType<typeof tokens>) => Array.from((await local.run(f)).last_hidden_state!.data as Float32Array);
    const [a, b, c] = [tokens(6, 1), tokens(6, 2), tokens(6, 3)];
    // the test keeps what it must not, to see where the next outputs land
    let first: Float32Array | undefined;
    const ra = await text.runWith!(a, (o) => {
      first = o.last_hidden_state!.data as Float32Array;
      return Array.from(first);
    });
    assert.deepEqual(ra, await expected(a));
    const plain = (await text.run(c)).last_hidden_state!.data as Float32Array;
    const rb = await text.runWith!(b, (o) => Array.from(o.last_hidden_state!.data as Float32Array));
    assert.deepEqual(rb, await expected(b), 'the outputs of the second run');
    assert.deepEqual(Array.from(first!), rb, 'written where the first runWith had its outputs');
    assert.deepEqual(Array.from(plain), await expected(c), "run's outputs are the caller's: not written over");
    // a larger output than the memory kept: new memory, right values; two at once: each its own
    const long = tokens(11, 4);
    assert.deepEqual(await text.runWith!(long, (o) => Array.from(o.last_hidden_state!.data as Float32Array)), await expected(long));
    const both = await Promise.all([a, b].map((f) => text.runWith!(f, (o) => Array.from(o.last_hidden_state!.data as Float32Array))));
    assert.deepEqual(both, [await expected(a), await expected(b)]);
  } finally {
    client.close();
    await host.stop();
  }
});

test('the fast lane: text runs go before queued image runs, never preempting one, at most `burst` of them in a row', async () => {
  const name = `nf-test-lanes-${randomBytes(4).toString('hex')}`;
  const host = await startModelHost({ name, threads: 1, queue: 8, batchMs: 0, maxBatch: 1, burst: 2 });
  const client = connectModelHost({ name, connectTimeoutMs: 20_000 });
  try {
    const image = await client.open(await resolveModel('human-centernet-onnx'), openOptions('normal'));
    const text = await client.open(await resolveModel(MODEL_NAME), openOptions('fast'));
    // on shared memory, so posting copies nothing and the requests reach the host together
    const photo = new Float32Array(new SharedArrayBuffer(512 * 512 * 3 * 4));
    const input = { [image.inputNames[0]!]: { type: 'float32', data: photo, dims: [1, 512, 512, 3] } };
    await Promise.all([image.run(input), text.run(tokens(8))]); // both sessions warm
    const before = await client.stats();
    const order: string[] = [];
    const track = (label: string, p: Promise<unknown>) => p.then(() => void order.push(label));
    await Promise.all([
      ...[1, 2, 3].map((i) => track(`img${i}`, image.run(input))),
      ...[1, 2, 3, 4, 5].map((i) => track(`txt${i}`, text.runMany!([tokens(6, i), tokens(9, i)]))),
    ]);
    const after = await client.stats();
    // Either the host had started img1 before the text requests reached it (it finishes that run first:
    // no preemption), or it saw them all before it chose; then the rule: text first, at most 2 in a row
    // while an image request waits, arrival order within a lane.
    const started = ['img1', 'txt1', 'txt2', 'img2', 'txt3', 'txt4', 'img3', 'txt5'];
    const together = ['txt1', 'txt2', 'img1', 'txt3', 'txt4', 'img2', 'txt5', 'img3'];
    assert.ok([started.join(' '), together.join(' ')].includes(order.join(' ')), `served in the order ${order.join(' ')}`);
    assert.equal(after.maxFastStreak, 2, 'the fast lane had its burst, no more');
    assert.equal(after.burst, 2);
    assert.equal(after.fastAhead - before.fastAhead, order[0] === 'img1' ? 4 : 5, 'text requests went ahead of a waiting image request');
    assert.ok(after.maxQueued <= 8 && after.maxQueuedFast <= 8, 'each lane within its bound');
  } finally {
    client.close();
    await host.stop();
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
