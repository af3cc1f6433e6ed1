/**
 * Finds or starts what the pipeline needs: a Kafka broker (KAFKA_BROKERS, or the project's local
 * broker via infra/kafka/kafka.sh) and Redis (REDIS_URL when it answers, else infra/redis.sh).
 * Remembers what it started so that `stop()` stops only that.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { REPO_ROOT } from './paths.ts';

export async function kafkaAnswers(brokers: string): Promise<boolean> {
  const kafka = new kafkajs.Kafka({
    brokers: brokers.split(','),
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 1500,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export interface LocalInfra {
  brokers: string;
  redisUrl: string;
  startedKafka: boolean;
  startedRedis: boolean;
  stop(): void;
}

export interface EnsureInfraOptions {
  /**
   * Also stop what was started here if this process dies without calling `stop()` (kill -9, a crash):
   * a detached watchdog waits for this process's pid to vanish. `stop()` ends the watchdog first.
   */
  stopWithProcess?: boolean;
}

/** The detached shell that stops what ensureInfra started once `pid` is gone. */
function startWatchdog(pid: number, kafka: boolean, redis: boolean): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'if [ "$2" = 1 ]; then bash "$4/infra/kafka/kafka.sh" stop; fi; if [ "$3" = 1 ]; then bash "$4/infra/redis.sh" stop; fi';
  const child = spawn('bash', ['-c', script, 'newsfuse-infra-watchdog', String(pid), kafka ? '1' : '0', redis ? '1' : '0', REPO_ROOT], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
  });
  child.unref();
  return child;
}

export async function ensureInfra(
  log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`),
  options: EnsureInfraOptions = {},
): Promise<LocalInfra> {
  const port = process.env.KAFKA_PORT ?? '9092';
  const brokers = process.env.KAFKA_BROKERS ?? `127.0.0.1:${port}`;
  let startedKafka = false;
  if (await kafkaAnswers(brokers)) log(`kafka: using ${brokers}`);
  else if (process.env.KAFKA_BROKERS) throw new Error(`KAFKA_BROKERS=${brokers} does not answer`);
  else {
    log(`kafka: starting the local broker on ${brokers} (infra/kafka/kafka.sh start)`);
    const r = spawnSync('bash', [join(REPO_ROOT, 'infra/kafka/kafka.sh'), 'start'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    if (r.status !== 0) throw new Error('could not start the local Kafka broker');
    startedKafka = true;
  }
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let startedRedis = false;
  if (await redisAnswers(redisUrl)) log(`redis: using ${redisUrl}`);
  else {
    const r = spawnSync('bash', [join(REPO_ROOT, 'infra/redis.sh'), 'ensure'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error('no Redis answers and none could be started: install redis-server or set REDIS_URL');
    redisUrl = r.stdout.trim().split('\n').pop() ?? redisUrl;
    startedRedis = true;
    log(`redis: started ${redisUrl}`);
  }
  const watchdog =
    options.stopWithProcess && (startedKafka || startedRedis) ? startWatchdog(process.pid, startedKafka, startedRedis) : undefined;
  return {
    brokers,
    redisUrl,
    startedKafka,
    startedRedis,
    stop() {
      watchdog?.kill();
      if (startedKafka) spawnSync('bash', [join(REPO_ROOT, 'infra/kafka/kafka.sh'), 'stop'], { stdio: 'inherit', env: process.env });
      if (startedRedis) spawnSync('bash', [join(REPO_ROOT, 'infra/redis.sh'), 'stop'], { stdio: 'inherit', env: process.env });
    },
  };
}

/** Fetches and verifies the models (idempotent; no network when they are cached). */
export function ensureModels(): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/fetch-models.ts')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: REPO_ROOT,
  });
  if (r.status !== 0) throw new Error('model fetch failed (npm run models:fetch)');
}
