/**
 * Test harness: finds or starts Kafka and Redis (explicit env → testcontainers when a Docker engine
 * answers → the project's local broker and Redis), runs services as separate processes, and waits
 * for results by polling with a deadline.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, createWriteStream } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import kafkajs from 'kafkajs';
import type { Redis } from 'ioredis';
import { ensureInfra } from './infra.ts';
import { launchDefaults, serviceArgs, serviceLoaderOf } from '@newsfuse/shared/launch';
import { REPO_ROOT } from './paths.ts';

/** Where tests write service logs and artefacts. */
export const OUTPUT = join(REPO_ROOT, 'test-output');

export interface Infra {
  brokers: string;
  redisUrl: string;
}

let infra: Promise<Infra> | undefined;

function dockerAnswers(): boolean {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 && r.stdout.trim().length > 0;
}

async function resolveInfra(): Promise<Infra> {
  const envBrokers = process.env.KAFKA_BROKERS;
  const envRedis = process.env.REDIS_URL;
  if (envBrokers && envRedis) return { brokers: envBrokers, redisUrl: envRedis };
  if (!envBrokers && !envRedis && dockerAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const { RedisContainer } = await import('@testcontainers/redis');
    const [kafka, redis] = await Promise.all([
      new KafkaContainer('apache/kafka:4.1.1').withKraft().start(),
      new RedisContainer('redis:7').start(),
    ]);
    return { brokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`, redisUrl: redis.getConnectionUrl() };
  }
  // The project's local broker and Redis; stopped by whoever started them (npm test / .ci/run) —
  // a broker this process starts is left running for the other test files.
  const local = await ensureInfra();
  return { brokers: local.brokers, redisUrl: local.redisUrl };
}

export function getInfra(): Promise<Infra> {
  infra ??= resolveInfra();
  return infra;
}

export const uniqueId = (label: string) => `${label}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `probe` until it returns a value that is not undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface ServiceHandle {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** The last lines the service wrote (stdout and stderr, at most 2000), when started with `log: 'memory'`. */
  logs: string[];
  /** SIGTERM (or `signal`), then SIGKILL after `stopTimeoutMs`; resolves with the exit code. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface LaunchOptions {
  /** Environment over process.env (HTTP_PORT, and HTTP_HOST when `host` is given, are set last). */
  env?: Record<string, string>;
  /** Listening port (default: a free one). */
  port?: number;
  /** HTTP_HOST for the service; unset by default (the service's own default). */
  host?: string;
  /** Where stdout and stderr go: a file (appended to), or kept in memory (`handle.logs`). */
  log: { file: string } | 'memory';
  /** How long /healthz may take to say ready (default 120 s). */
  readyTimeoutMs?: number;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** How long `stop` waits before SIGKILL (default 30 s). */
  stopTimeoutMs?: number;
}

/**
 * Runs `services/<name>/src/main.ts` as its own process on `port`, as every launcher does
 * (@newsfuse/shared/launch: node runs scripts/bin/service.mjs, which bundles the service to JavaScript;
 * SERVICE_LOADER=tsx in `opts.env` or this environment: `node --import tsx`). node itself is the child,
 * so signals reach the service, not a wrapper. Not yet ready: see `waitReady`, or `launchService` for both.
 */
export function spawnService(name: string, opts: LaunchOptions & { port: number }): ServiceHandle & { logHint: string } {
  const { port } = opts;
  const env = { ...process.env, ...opts.env };
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...serviceArgs(name, serviceLoaderOf(env))], {
    cwd: REPO_ROOT,
    // the launch settings a service reads before its code runs (MALLOC_ARENA_MAX), unless set here
    env: {
      ...launchDefaults(env),
      ...env,
      HTTP_PORT: String(port),
      ...(opts.host ? { HTTP_HOST: opts.host } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  if (opts.log === 'memory') {
    const keep = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n')) if (line) logs.push(line);
      if (logs.length > 2000) logs.splice(0, logs.length - 2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
  } else {
    mkdirSync(dirname(opts.log.file), { recursive: true });
    const file = createWriteStream(opts.log.file, { flags: 'a' });
    child.stdout.pipe(file);
    child.stderr.pipe(file);
  }
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exited = code))));
  const stopTimeoutMs = opts.stopTimeoutMs ?? 30_000;
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    logs,
    logHint: opts.log === 'memory' ? '' : `; see ${relative(REPO_ROOT, opts.log.file)}`,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exited !== undefined) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls the service's /healthz until it answers 2xx; throws (with where its log is) if it exits first or the deadline passes. */
export async function waitReady(service: ServiceHandle & { logHint: string }, timeoutMs = 120_000): Promise<void> {
  const { name, child, logHint } = service;
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} exited with code ${child.exitCode ?? child.signalCode}${logHint}`);
      const res = await fetch(`${service.url}/healthz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    timeoutMs,
    `${name} to become ready${logHint}`,
    250,
  );
}

/**
 * The one "start a service and wait until ready" (tests, the benchmark, `npm start`): `spawnService`
 * then `waitReady`; a service that does not become ready is killed and the error says where its log
 * is (or, with `log: 'memory'`, carries its last lines).
 */
export async function launchService(name: string, opts: LaunchOptions): Promise<ServiceHandle> {
  const service = spawnService(name, { ...opts, port: opts.port ?? (await freePort()) });
  try {
    await waitReady(service, opts.readyTimeoutMs);
  } catch (err) {
    await service.stop('SIGKILL');
    const tail = opts.log === 'memory' ? `\n--- ${name} logs ---\n${service.logs.slice(-40).join('\n')}` : '';
    throw new Error(`${(err as Error).message}${tail}`);
  }
  return service;
}

/** Starts a service on a free loopback port, its log in test-output/<logTag>.log (see `launchService`). */
export function startService(
  name: string,
  env: Record<string, string>,
  logTag = name,
  readyTimeoutMs = 120_000,
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] (not allowed in NODE_OPTIONS). */
  nodeArgs: string[] = [],
): Promise<ServiceHandle> {
  return launchService(name, { env, host: '127.0.0.1', log: { file: join(OUTPUT, `${logTag}.log`) }, readyTimeoutMs, nodeArgs });
}

/** Collects every message of `topic` from the beginning into an array (decoded by `map`). */
export async function collectTopic<T>(brokers: string, topic: string, map: (value: Buffer, key: string | undefined) => T) {
  const kafka = new kafkajs.Kafka({ brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING, clientId: 'test-collector' });
  const consumer = kafka.consumer({ groupId: uniqueId('collector-') });
  const items: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) items.push(map(message.value, message.key?.toString()));
    },
  });
  return { items, stop: () => consumer.disconnect() };
}

/** True when consumer group `groupId` has committed every message of `topic`. */
export async function groupCaughtUp(admin: kafkajs.Admin, groupId: string, topic: string): Promise<boolean> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset === '-1' ? '0' : p.offset)]));
  return ends.every((e) => (done.get(e.partition) ?? 0n) >= BigInt(e.high));
}

/**
 * Waits until the whole pipeline is idle: extract has consumed every article, no BullMQ job is
 * pending, and score has consumed every fused event.
 */
export async function waitForQuiescence(opts: {
  brokers: string;
  redis: Redis;
  prefix: string;
  topics: { articles: string; fused: string };
  timeoutMs?: number;
}) {
  const kafka = new kafkajs.Kafka({ brokers: opts.brokers.split(','), logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        if (!(await groupCaughtUp(admin, `${opts.prefix}-extract`, opts.topics.articles))) return undefined;
        for (const q of ['extract-text', 'extract-image', 'fuse']) {
          const base = `${opts.prefix}:bull:${q}`;
          const pending =
            (await opts.redis.llen(`${base}:wait`)) +
            (await opts.redis.llen(`${base}:active`)) +
            (await opts.redis.zcard(`${base}:waiting-children`)) +
            (await opts.redis.zcard(`${base}:delayed`)) +
            (await opts.redis.zcard(`${base}:prioritized`));
          if (pending > 0) return undefined;
        }
        return (await groupCaughtUp(admin, `${opts.prefix}-score`, opts.topics.fused)) ? true : undefined;
      },
      opts.timeoutMs ?? 60_000,
      'the pipeline to become idle',
      300,
    );
  } finally {
    await admin.disconnect();
  }
}
