import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createMemoryDocFreq, type DocFreq } from '@newsfuse/models/text/docfreq';
import { createRedisDocFreq } from './docfreq-redis.ts';

async function contract(df: DocFreq): Promise<void> {
  assert.equal(await df.total(), 0);
  assert.deepEqual(await df.get([]), []);
  assert.deepEqual(await df.get(['a', 'b']), [0, 0]);
  await df.observe(['a', 'b', 'a']); // duplicates count once
  await df.observe(new Set(['b', 'c']));
  await df.observe([]); // an empty document still counts as a document
  assert.equal(await df.total(), 3);
  assert.deepEqual(await df.get(['a', 'b', 'c', 'zzz']), [1, 2, 1, 0]);
}

void describe('in-memory DocFreq', () => {
  void test('follows the DocFreq contract', async () => {
    await contract(createMemoryDocFreq());
  });
  void test('can be seeded', async () => {
    const df = createMemoryDocFreq({ docs: [['x'], ['x', 'y']] });
    assert.equal(await df.total(), 2);
    assert.deepEqual(await df.get(['x', 'y']), [2, 1]);
    assert.equal(df.size, 2);
  });
});

void describe('Redis DocFreq (throw-away redis-server on a unix socket)', () => {
  const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
  let dir = '';
  let server: ChildProcess | undefined;
  let redis: Redis | undefined;

  before(async () => {
    if (!hasRedis) return;
    dir = await mkdtemp(join(tmpdir(), 'newsfuse-df-'));
    const sock = join(dir, 'redis.sock');
    server = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    for (let i = 0; !existsSync(sock); i++) {
      if (i > 100) throw new Error('redis-server did not create its socket');
      await sleep(50);
    }
    redis = new Redis({ path: sock, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    await redis?.quit().catch(() => undefined);
    server?.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void test('follows the DocFreq contract', async (t) => {
    if (!hasRedis) return t.skip('redis-server not installed');
    await contract(createRedisDocFreq(redis!, { prefix: 'test:df1' }));
    assert.deepEqual(await redis!.hgetall('test:df1:terms'), { a: '1', b: '2', c: '1' });
    assert.equal(await redis!.get('test:df1:total'), '3');
  });

  void test('chunks large lookups and keeps prefixes apart', async (t) => {
    if (!hasRedis) return t.skip('redis-server not installed');
    const df = createRedisDocFreq(redis!, { prefix: 'test:df2', chunk: 7 });
    const terms = Array.from({ length: 50 }, (_, i) => `t${i}`);
    await df.observe(terms);
    await df.observe(terms.slice(0, 10));
    const got = await df.get(terms);
    assert.deepEqual(
      got,
      terms.map((_, i) => (i < 10 ? 2 : 1)),
    );
    assert.equal(await createRedisDocFreq(redis!, { prefix: 'test:other' }).total(), 0);
  });
});
