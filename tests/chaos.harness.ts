/**
 * Chaos-suite helpers (tests/chaos*.test.ts, tests/hostile*.test.ts): a Kafka broker and a Redis of the
 * suite's own (so restarting them never touches the shared CI broker), topic readers that survive a
 * broker restart, a paced article stream, and the summary table every chaos/hostile file contributes to.
 *
 * CHAOS_FULL=1 switches the files to their full sizes (`npm run test:chaos`); without it they run the
 * reduced sizes that are part of `npm test`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import { OUTPUT, freePort, uniqueId, waitFor } from '@newsfuse/testkit/harness';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

export const FULL = ['1', 'true', 'yes'].includes((process.env.CHAOS_FULL ?? '').toLowerCase());
export const SUMMARY_DIR = join(OUTPUT, 'chaos-summary');

// ------------------------------------------------------------------------------------------ processes

/** A timestamped progress line in test-output/<name>.progress.log (what happened when, for diagnosis). */
export function progressLog(name: string) {
  mkdirSync(OUTPUT, { recursive: true });
  const file = join(OUTPUT, `${name}.progress.log`);
  const t0 = Date.now();
  return (msg: string) => appendFileSync(file, `${new Date().toISOString()} +${((Date.now() - t0) / 1000).toFixed(1)}s ${msg}\n`);
}

/** Runs a command to completion without blocking the event loop (streams keep flowing meanwhile). */
export function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Waits for a child process to exit; SIGKILLs it after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs = 30_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

// ------------------------------------------------------------------------------------------ own Kafka

export interface OwnBroker {
  brokers: string;
  dataDir: string;
  start(): Promise<void>;
  /** `kafka.sh stop` (SIGTERM, then SIGKILL after 30 s); the data directory stays. */
  stop(): Promise<void>;
  /** Stops the broker and removes its directory. */
  dispose(): Promise<void>;
}

/**
 * A single-node broker of the suite's own, through the project's `infra/kafka/kafka.sh`, on free ports
 * with its own KAFKA_DATA_DIR: `stop` then `start` restarts it on the same data.
 */
export async function createOwnBroker(label: string): Promise<OwnBroker> {
  const root = mkdtempSync(join(tmpdir(), `newsfuse-${label}-kafka-`));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const dataDir = join(root, 'data');
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_DATA_DIR: dataDir,
    KAFKA_FRESH: '0',
    KAFKA_WAIT_TIMEOUT_MS: '120000',
  };
  const script = join(REPO_ROOT, 'infra/kafka/kafka.sh');
  const cmd = async (what: 'start' | 'stop') => {
    const r = await run('bash', [script, what], env, 240_000);
    if (r.code !== 0) throw new Error(`kafka.sh ${what} on port ${port} failed (${r.code}):\n${r.output.slice(-2000)}`);
  };
  return {
    brokers: `127.0.0.1:${port}`,
    dataDir,
    start: () => cmd('start'),
    stop: () => cmd('stop'),
    async dispose() {
      await cmd('stop').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------------------------------ own Redis

export interface OwnRedis {
  url: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  /** SIGTERM (Redis fsyncs the AOF and exits); SIGKILL after 20 s. */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/** `redis-server --port P --appendonly yes --dir <tmp> --maxmemory-policy noeviction`, restartable on the same data. */
export async function createOwnRedis(label: string): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), `newsfuse-${label}-redis-`));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const ping = async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return (await r.ping()) === 'PONG' ? true : undefined;
    } finally {
      r.disconnect();
    }
  };
  const self: OwnRedis = {
    url,
    port,
    dir,
    async start() {
      const log = openSync(join(dir, 'redis.log'), 'a');
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--maxmemory-policy', 'noeviction'],
        { cwd: dir, stdio: ['ignore', log, log] },
      );
      closeSync(log);
      const c = child;
      await waitFor(
        async () => {
          if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}; see ${dir}/redis.log`);
          return ping();
        },
        30_000,
        `redis-server on ${port}`,
        100,
      );
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = undefined;
      c.kill('SIGTERM');
      await exited(c, 20_000);
    },
    async dispose() {
      await self.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

// ------------------------------------------------------------------------------------------ Kafka I/O

const quiet = { logLevel: kafkajs.logLevel.NOTHING } as const;
/** Retries long enough to ride out a broker restart. */
const patientRetry = { initialRetryTime: 300, maxRetryTime: 3_000, retries: 60 };

export function kafkaClient(brokers: string, clientId = 'chaos'): kafkajs.Kafka {
  return new kafkajs.Kafka({ brokers: brokers.split(','), clientId, ...quiet, retry: patientRetry, connectionTimeout: 3000 });
}

/**
 * Follows a topic from the beginning, for progress only (a consumer may see a message twice around a
 * broker restart; exact counts come from {@link readTopic}). Restarts itself after any crash.
 */
export async function followTopic<T>(brokers: string, topic: string, map: (value: Buffer) => T) {
  const items: T[] = [];
  const kafka = kafkaClient(brokers, 'chaos-follower');
  const consumer = kafka.consumer({ groupId: uniqueId('chaos-follow-'), retry: { ...patientRetry, restartOnFailure: async () => true } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) items.push(map(message.value));
    },
  });
  return { items, stop: () => consumer.disconnect() };
}

/** Reads every message of `topic` present now, from the beginning, with a fresh consumer group. */
export async function readTopic(brokers: string, topic: string, timeoutMs = 60_000): Promise<TopicMessage[]> {
  const kafka = kafkaClient(brokers, 'chaos-reader');
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const need = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const items: TopicMessage[] = [];
  if (need.size === 0) return items;
  const consumer = kafka.consumer({ groupId: uniqueId('chaos-read-') });
  const seen = new Map<number, bigint>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const off = BigInt(message.offset);
        const high = need.get(partition);
        if (high === undefined || off >= high) return;
        if (message.value) items.push({ partition, offset: off, key: message.key?.toString(), value: message.value });
        seen.set(partition, off + 1n);
      },
    });
    await waitFor(
      () => ([...need].every(([p, high]) => (seen.get(p) ?? 0n) >= high) ? true : undefined),
      timeoutMs,
      `reading ${topic} to its end`,
      100,
    );
  } finally {
    await consumer.disconnect();
  }
  return items;
}

/**
 * Publishes `messages` in chunks every `everyMs` (pacing a stream, not waiting for results), in the
 * background. `sent()` says how many went out so far; `done` settles when all have.
 */
export function streamMessages(
  producer: kafkajs.Producer,
  topic: string,
  messages: { key: string; value: string }[],
  opts: { chunk: number; everyMs: number },
) {
  let sent = 0;
  const done = (async () => {
    for (let i = 0; i < messages.length; i += opts.chunk) {
      const started = Date.now();
      const slice = messages.slice(i, i + opts.chunk);
      await producer.send({ topic, messages: slice });
      sent += slice.length;
      const rest = opts.everyMs - (Date.now() - started);
      if (rest > 0 && i + opts.chunk < messages.length) await new Promise((r) => setTimeout(r, rest));
    }
  })();
  done.catch(() => undefined);
  return { sent: () => sent, done };
}

// ------------------------------------------------------------------------------------------ a feed

export interface FeedItem {
  guid: string;
  url: string;
  title: string;
  summary: string;
  publishedAt: string;
  images: { url: string; caption?: string }[];
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * An RSS 2.0 feed on loopback that grows while a trial streams: `stream(items)` releases them in chunks
 * (like {@link streamMessages}); the document lists every item released so far, with an ETag per state
 * (a conditional GET of an unchanged feed gets 304). `requests()` counts GETs.
 */
export async function startFeedServer() {
  let items: FeedItem[] = [];
  let released = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const visible = items.slice(0, released);
    const etag = `"${visible.length}-${visible[visible.length - 1]?.guid ?? 'empty'}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>',
      '<title>Chaos feed</title><link>http://127.0.0.1/</link><description>articles of the chaos suite</description>',
      ...visible.map((it) =>
        [
          '<item>',
          `<title>${xml(it.title)}</title><link>${xml(it.url)}</link><guid isPermaLink="false">${xml(it.guid)}</guid>`,
          `<description>${xml(it.summary)}</description><pubDate>${new Date(it.publishedAt).toUTCString()}</pubDate>`,
          ...it.images.map(
            (im) =>
              `<media:content url="${xml(im.url)}" medium="image" type="image/png">${im.caption ? `<media:description>${xml(im.caption)}</media:description>` : ''}</media:content>`,
          ),
          '</item>',
        ].join(''),
      ),
      '</channel></rss>',
    ].join('\n');
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`;
  return {
    url,
    requests: () => requests,
    /** Releases `list` into the feed (replacing what it held) `chunk` items every `everyMs`. */
    stream(list: FeedItem[], opts: { chunk: number; everyMs: number }) {
      items = list;
      released = 0;
      const done = (async () => {
        while (released < items.length) {
          released = Math.min(items.length, released + opts.chunk);
          if (released < items.length) await new Promise((r) => setTimeout(r, opts.everyMs));
        }
      })();
      return { sent: () => released, done };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;

// ------------------------------------------------------------------------------------------ counting

export interface DeliveryCount {
  expected: number;
  /** Distinct expected (articleId, version) keys seen. */
  delivered: number;
  lost: number;
  /** Messages beyond the first per (articleId, version). */
  rawDuplicates: number;
  /** Messages for a published articleId with a version that was never published. */
  unexpected: number;
  lostIds: string[];
}

/** Counts deliveries of `expected` (articleId → version) among `seen`: distinct keys, lost ones, raw duplicates. */
export function countDeliveries(expected: Map<string, number>, seen: { articleId: string; version: number }[]): DeliveryCount {
  const raw = new Map<string, number>();
  let unexpected = 0;
  for (const s of seen) {
    const v = expected.get(s.articleId);
    if (v === undefined) continue;
    if (v !== s.version) {
      unexpected++;
      continue;
    }
    const k = `${s.articleId}@${s.version}`;
    raw.set(k, (raw.get(k) ?? 0) + 1);
  }
  const lostIds = [...expected.entries()].filter(([id, version]) => !raw.has(`${id}@${version}`)).map(([id]) => id);
  return {
    expected: expected.size,
    delivered: raw.size,
    lost: lostIds.length,
    rawDuplicates: [...raw.values()].reduce((a, n) => a + n - 1, 0),
    unexpected,
    lostIds,
  };
}

export interface TopicMessage {
  partition: number;
  offset: bigint;
  key: string | undefined;
  value: Buffer;
}

/**
 * Compares a consumer group's committed offsets with what it has visibly handled. `handled(m)` says
 * whether message `m` left its mark (a flow in Redis, a scored event). Returns the messages handled
 * but not committed (they would be redelivered) and those committed but not handled (lost).
 */
export function offsetConsistency(messages: TopicMessage[], committed: Map<number, bigint>, handled: (m: TopicMessage) => boolean) {
  const handledNotCommitted: TopicMessage[] = [];
  const committedNotHandled: TopicMessage[] = [];
  for (const m of messages) {
    const isCommitted = m.offset < (committed.get(m.partition) ?? 0n);
    const isHandled = handled(m);
    if (isHandled && !isCommitted) handledNotCommitted.push(m);
    if (isCommitted && !isHandled) committedNotHandled.push(m);
  }
  return { handledNotCommitted, committedNotHandled };
}

export async function committedOffsets(brokers: string, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafkaClient(brokers, 'chaos-admin').admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((res?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset === '-1' ? '0' : p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

// ------------------------------------------------------------------------------------------ summary

export interface TrialRow {
  trial: string;
  articles: number;
  lost: number;
  rawDuplicates: number;
  dedupDuplicates: number;
  deadLetters: number;
  seconds: number;
  note?: string;
}

export interface HostileRow {
  kind: string;
  input: string;
  outcome: string;
  ok: boolean;
}

export interface SummaryPart {
  file: string;
  mode: 'full' | 'reduced';
  at: string;
  seconds: number;
  trials: TrialRow[];
  hostile: HostileRow[];
  crashes: number;
}

/** Collects one test file's rows; `write()` stores them under test-output/chaos-summary/ and prints the table. */
export function createSummary(file: string) {
  const started = Date.now();
  const part: SummaryPart = {
    file,
    mode: FULL ? 'full' : 'reduced',
    at: new Date().toISOString(),
    seconds: 0,
    trials: [],
    hostile: [],
    crashes: 0,
  };
  return {
    part,
    trial(row: TrialRow) {
      part.trials.push(row);
    },
    hostile(row: HostileRow) {
      part.hostile.push(row);
    },
    crash() {
      part.crashes++;
    },
    write() {
      part.seconds = Math.round((Date.now() - started) / 100) / 10;
      mkdirSync(SUMMARY_DIR, { recursive: true });
      writeFileSync(join(SUMMARY_DIR, `${file}.json`), `${JSON.stringify(part, null, 2)}\n`);
      process.stdout.write(`\n${renderSummary([part])}\n`);
    },
  };
}

export function readSummaries(): SummaryPart[] {
  let names: string[] = [];
  try {
    names = readdirSync(SUMMARY_DIR).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.sort().map((n) => JSON.parse(readFileSync(join(SUMMARY_DIR, n), 'utf8')) as SummaryPart);
}

/** The summary table (markdown): totals first, then one row per fault trial and per hostile input. */
export function renderSummary(parts: SummaryPart[]): string {
  const trials = parts.flatMap((p) => p.trials);
  const hostile = parts.flatMap((p) => p.hostile);
  const sum = (f: (t: TrialRow) => number) => trials.reduce((a, t) => a + f(t), 0);
  const lines = [
    `| metric | value |`,
    `| --- | --- |`,
    `| mode | ${[...new Set(parts.map((p) => p.mode))].join(', ')} |`,
    `| fault trials | ${trials.length} |`,
    `| articles streamed through faults | ${sum((t) => t.articles)} |`,
    `| articles lost | ${sum((t) => t.lost)} |`,
    `| raw duplicates (articleId, version) | ${sum((t) => t.rawDuplicates)} |`,
    `| duplicates after dedup | ${sum((t) => t.dedupDuplicates)} |`,
    `| dead letters for streamed articles | ${sum((t) => t.deadLetters)} |`,
    `| hostile inputs tried | ${hostile.length} (${hostile.filter((h) => h.ok).length} handled as expected) |`,
    `| crashes | ${parts.reduce((a, p) => a + p.crashes, 0)} |`,
    `| wall time | ${parts.map((p) => `${p.file} ${p.seconds} s`).join(', ')} |`,
  ];
  if (trials.length > 0) {
    lines.push(
      '',
      '| fault trial | articles | lost | raw duplicates | after dedup | dead letters | seconds | note |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const t of trials)
      lines.push(
        `| ${t.trial} | ${t.articles} | ${t.lost} | ${t.rawDuplicates} | ${t.dedupDuplicates} | ${t.deadLetters} | ${t.seconds} | ${t.note ?? ''} |`,
      );
  }
  if (hostile.length > 0) {
    lines.push('', '| hostile input | kind | outcome | ok |', '| --- | --- | --- | --- |');
    for (const h of hostile)
      lines.push(
        `| ${h.input} | ${h.kind} | ${h.outcome.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 160)} | ${h.ok ? 'yes' : 'NO'} |`,
      );
  }
  return lines.join('\n');
}
