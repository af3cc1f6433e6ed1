import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisConfigSchema, hostGcMb, tensorGcMb } from '@newsfuse/models/config';
import { encoderThreads, modelsInHost } from './client.ts';

test('placement: image threads use the host, text threads keep their own models unless MODEL_HOST_TEXT is on', () => {
  const cfg = (env: Record<string, string>) => AnalysisConfigSchema.parse(env);
  const byDefault = cfg({});
  assert.equal(byDefault.MODEL_HOST_TEXT, false);
  assert.equal(modelsInHost(byDefault, 'image'), true);
  assert.equal(modelsInHost(byDefault, 'both'), true);
  assert.equal(modelsInHost(byDefault, 'text'), false);
  assert.equal(modelsInHost(cfg({ MODEL_HOST_TEXT: 'true' }), 'text'), true);
  for (const role of ['text', 'image', 'both'] as const) {
    assert.equal(modelsInHost(cfg({ EXTRACT_MODEL_HOST: 'off', MODEL_HOST_TEXT: 'true' }), role), false);
  }
});

test("a text thread's own encoders: TEXT_ORT_THREADS when set, else ORT_THREADS; the host's models and the old design keep ORT_THREADS", () => {
  const cfg = (env: Record<string, string>) => AnalysisConfigSchema.parse(env);
  assert.equal(encoderThreads(cfg({}), 'text'), 1, 'the default: one');
  assert.equal(encoderThreads(cfg({ TEXT_ORT_THREADS: '2' }), 'text'), 2);
  assert.equal(encoderThreads(cfg({ TEXT_ORT_THREADS: '2' }), 'both'), 2, 'a shared job thread keeps the encoders too');
  assert.equal(encoderThreads(cfg({ ORT_THREADS: '2' }), 'text'), 2, 'unset: ORT_THREADS, as before the setting');
  assert.equal(encoderThreads(cfg({ TEXT_ORT_THREADS: '3', ORT_THREADS: '1' }), 'text'), 3, 'the setting wins');
  assert.equal(encoderThreads(cfg({ TEXT_ORT_THREADS: '2' }), 'image'), 1, "an image thread's models are the host's");
  assert.equal(
    encoderThreads(cfg({ TEXT_ORT_THREADS: '2', MODEL_HOST_TEXT: 'true' }), 'text'),
    1,
    "with MODEL_HOST_TEXT the encoders are the host's",
  );
  assert.equal(encoderThreads(cfg({ EXTRACT_MODEL_HOST: 'off', TEXT_ORT_THREADS: '2' }), 'text'), 1, 'the old design: ORT_THREADS');
  assert.equal(encoderThreads(cfg({ EXTRACT_MODEL_HOST: 'off', ORT_THREADS: '2' }), 'text'), 2);
});

test("tensor collections: the host's threads leave them to V8 by default, job threads collect only when shared, and each has its own setting", () => {
  const cfg = (env: Record<string, string>) => AnalysisConfigSchema.parse(env);
  assert.equal(hostGcMb(cfg({})), 0);
  assert.equal(tensorGcMb(cfg({})), 0, 'a thread per job');
  assert.equal(tensorGcMb(cfg({ EXTRACT_THREADS: 'shared' })), 64, 'one thread piles up every job’s tensors');
  assert.equal(hostGcMb(cfg({ MODEL_HOST_GC_MB: '32' })), 32);
  assert.equal(tensorGcMb(cfg({ MODEL_HOST_GC_MB: '32' })), 0, "the host's setting leaves the job threads alone");
  assert.equal(tensorGcMb(cfg({ EXTRACT_THREADS: 'shared', JOB_THREAD_GC_MB: '0' })), 0);
  assert.equal(hostGcMb(cfg({ JOB_THREAD_GC_MB: '16' })), 0, "the job threads' setting leaves the host alone");
});
