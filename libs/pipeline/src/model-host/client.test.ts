import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { modelsInHost } from './client.ts';

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
