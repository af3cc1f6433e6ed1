import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@newsfuse/shared';
import { loadScoreConfig } from './config.ts';
import { storyOptionsOf } from '@newsfuse/stage-score/config';
import { DEFAULT_STORY_OPTIONS } from '@newsfuse/stage-score/stories';

test('story settings: defaults, overrides, and a bad value names its variable', () => {
  const cfg = loadScoreConfig({});
  assert.equal(cfg.STORIES, true);
  assert.deepEqual(storyOptionsOf(cfg), DEFAULT_STORY_OPTIONS);
  const custom = storyOptionsOf(loadScoreConfig({ STORY_SIMILARITY: '0.7', STORY_WINDOW_HOURS: '1.5', STORY_MAX_ACTIVE: '20' }));
  assert.deepEqual([custom.similarity, custom.windowMs, custom.maxActive], [0.7, 5_400_000, 20]);
  assert.equal(loadScoreConfig({ STORIES: 'false' }).STORIES, false);
  for (const [name, value] of [
    ['STORY_SIMILARITY', '1.5'],
    ['STORY_SIMILARITY', '0'],
    ['STORY_WINDOW_HOURS', '-1'],
    ['STORY_MAX_ACTIVE', '0'],
    ['STORIES', 'maybe'],
  ] as const) {
    assert.throws(
      () => loadScoreConfig({ [name]: value }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name),
      `${name}=${value}`,
    );
  }
});

test('SCORE_DEDUP_TTL_SECONDS is score’s own; the old shared name DEDUP_TTL_SECONDS stops the process naming the new one', () => {
  assert.equal(loadScoreConfig({}).SCORE_DEDUP_TTL_SECONDS, 7 * 24 * 3600);
  assert.equal(loadScoreConfig({ SCORE_DEDUP_TTL_SECONDS: '600' }).SCORE_DEDUP_TTL_SECONDS, 600);
  assert.throws(
    () => loadScoreConfig({ DEDUP_TTL_SECONDS: '600' }),
    (err: unknown) =>
      err instanceof ConfigError && err.message.includes('DEDUP_TTL_SECONDS') && err.message.includes('SCORE_DEDUP_TTL_SECONDS'),
  );
});

test('recycled-photo settings: defaults, overrides in days, and a bad value names its variable', async () => {
  const { recycledOptionsOf } = await import('./config.ts');
  const { DEFAULT_RECYCLED_OPTIONS } = await import('@newsfuse/stage-score/recycled');
  const cfg = loadScoreConfig({});
  assert.equal(cfg.RECYCLED, true);
  assert.deepEqual(recycledOptionsOf(cfg), DEFAULT_RECYCLED_OPTIONS);
  const custom = recycledOptionsOf(
    loadScoreConfig({ RECYCLED_MIN_AGE_DAYS: '0.5', RECYCLED_WINDOW_DAYS: '30', RECYCLED_MAX_PHOTOS: '1000', RECYCLED_MAX_DISTANCE: '10' }),
  );
  assert.deepEqual([custom.minAgeMs, custom.windowMs, custom.maxImages, custom.maxDistance], [43_200_000, 2_592_000_000, 1000, 10]);
  assert.equal(loadScoreConfig({ RECYCLED: 'false' }).RECYCLED, false);
  for (const [name, value] of [
    ['RECYCLED_MAX_DISTANCE', '40'],
    ['RECYCLED_WINDOW_DAYS', '0'],
    ['RECYCLED_MAX_PHOTOS', '0'],
    ['RECYCLED_PENALTY', '2'],
    ['RECYCLED_MIN_AGE_DAYS', '-1'],
  ] as const) {
    assert.throws(
      () => loadScoreConfig({ [name]: value }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name),
      `${name}=${value}`,
    );
  }
});
