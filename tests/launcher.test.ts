/**
 * A real service started as every launcher starts it (@newsfuse/shared/launch, through the test
 * harness): bundled by scripts/bin/service.mjs, no TypeScript loader in its process, it becomes ready,
 * answers, and exits with code 0 on SIGTERM after its normal shutdown; SERVICE_LOADER=tsx still starts it
 * the earlier way. (Every other integration test starts its services the same way.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { getInfra, launchService, uniqueId, type Infra } from '@newsfuse/testkit/harness';

const runId = uniqueId('launcher');
let infra: Infra;

before(async () => {
  infra = await getInfra();
});

after(async () => {
  const redis = new Redis(infra.redisUrl);
  const keys = await redis.keys(`${runId}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
});

/** The process's command line, as the kernel has it. */
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

describe('a service through the launcher', () => {
  for (const loader of ['bundle', 'tsx'] as const)
    it(`SERVICE_LOADER=${loader}: fuse becomes ready, answers, and exits 0 on SIGTERM`, async () => {
      const prefix = `${runId}${loader}`;
      const fuse = await launchService('fuse', {
        env: {
          KAFKA_BROKERS: infra.brokers,
          REDIS_URL: infra.redisUrl,
          TOPIC_SUFFIX: prefix,
          NEWSFUSE_PREFIX: prefix,
          SERVICE_LOADER: loader,
        },
        host: '127.0.0.1',
        log: 'memory',
      });
      try {
        const args = cmdline(fuse.child.pid!);
        if (loader === 'bundle') {
          assert.deepEqual(args.slice(1, 2), ['--enable-source-maps']);
          assert.match(args[2]!, /scripts\/bin\/service\.mjs$/);
          assert.equal(args[3], 'fuse');
          assert.ok(!args.includes('tsx'), args.join(' '));
        } else {
          assert.deepEqual(args.slice(1, 3), ['--import', 'tsx']);
          assert.match(args[3]!, /services\/fuse\/src\/main\.ts$/);
        }
        const health = await fetch(`${fuse.url}/healthz`);
        assert.equal(health.status, 200);
        const metrics = await (await fetch(`${fuse.url}/metrics`)).text();
        assert.match(metrics, /^newsfuse_/m);
      } finally {
        assert.equal(await fuse.stop('SIGTERM'), 0, fuse.logs.slice(-20).join('\n'));
      }
      assert.ok(
        fuse.logs.some((l) => /"msg":"shut down"/.test(l)),
        `a normal shutdown: ${fuse.logs.slice(-5).join('\n')}`,
      );
    });
});
