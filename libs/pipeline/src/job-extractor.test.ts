import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisConfigSchema } from '@newsfuse/models/config';
import { sessionProviderName, setSessionProvider } from '@newsfuse/models/ort';
import { NewsFuseError } from '@newsfuse/shared/errors';
import { createJobThreadExtractor } from './job-extractor.ts';
import { useModelHost } from './model-host/client.ts';

const cfg = (env: Record<string, string>) => AnalysisConfigSchema.parse(env);

test("a job thread's extractor keeps its models in the thread where useModelHostFor's rule says so", async () => {
  // the old design (no host), and a text thread without MODEL_HOST_TEXT: nothing goes to a host
  for (const [env, role] of [
    [{ EXTRACT_MODEL_HOST: 'off' }, 'image'],
    [{}, 'text'],
  ] as const) {
    const extractor = createJobThreadExtractor(cfg(env), role);
    assert.equal(sessionProviderName(), 'in-process', `${JSON.stringify(env)}, ${role}`);
    // the thread builds only its own side
    const other = role === 'image' ? () => extractor.text({ articleId: 'a', title: 't', body: 'b' } as never) : undefined;
    if (other)
      await assert.rejects(
        async () => other(),
        (e: unknown) => e instanceof NewsFuseError && /not loaded/.test(e.message),
      );
  }
});

test("an image thread's extractor sends its models to the process's model host", () => {
  try {
    createJobThreadExtractor(cfg({}), 'image');
    assert.match(sessionProviderName(), /^model-host:/);
  } finally {
    useModelHost().close();
    setSessionProvider(null);
  }
});
