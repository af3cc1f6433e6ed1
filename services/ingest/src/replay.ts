/**
 * Replay / backfill: publishes articles from a JSONL file (optionally .gz) keeping their event time.
 *
 *   npm run replay -- <file.jsonl[.gz]> [--rate N] [--kind replay|demo] [--dry-run]
 *
 * Invalid lines are dead-lettered (stage "ingest") and counted; duplicates are skipped by the same
 * Redis dedup as live ingest, so a replay can be re-run safely. Env: as the ingest service.
 */
import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { createLogger, isRetriable, toNewsFuseError } from '@newsfuse/shared';
import { loadIngestConfig } from './config.ts';
import { connectIngestInfra } from './adapters/infra.ts';
import { createIngestor, createMemoryStore, type Ingestor } from '@newsfuse/stage-ingest/ingestor';
import { candidateFromLine, paceDelayMs } from '@newsfuse/stage-ingest/jsonl';

const KINDS = ['replay', 'demo', 'feed', 'push'] as const;

const USAGE = `usage: newsfuse replay <file.jsonl[.gz]> [--rate N] [--kind replay|demo] [--dry-run]
       (or npm run replay -- …)
  Publishes the file's articles to news.articles.v1 keeping their event time; invalid lines are
  dead-lettered, duplicates skipped (Redis dedup, as live ingest). Prints a JSON summary on stdout.
  --rate N     articles per second (0 = as fast as possible)
  --dry-run    parse and count only; no Kafka or Redis
  Env: as the ingest service (KAFKA_BROKERS, REDIS_URL, NEWSFUSE_PREFIX, TOPIC_SUFFIX, …).`;

/** `newsfuse replay` / `npm run replay`: returns the exit code. */
export async function replayCommand(args: string[] = process.argv.slice(2)): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      rate: { type: 'string', default: '0' },
      kind: { type: 'string', default: 'replay' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const file = positionals[0];
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!file) {
    process.stderr.write(`replay: name a JSONL file\n${USAGE}\n`);
    return 2;
  }
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) throw new Error(`--rate must be a number >= 0, got ${values.rate}`);
  const kind = values.kind as (typeof KINDS)[number];
  if (!KINDS.includes(kind)) throw new Error(`--kind must be one of ${KINDS.join(', ')}`);

  const size = statSync(file).size; // a missing file fails here, before any connection
  const cfg = loadIngestConfig();
  const logger = createLogger('ingest-replay', cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL, 'stderr');
  const dry = values['dry-run'];
  const infra = dry ? undefined : await connectIngestInfra(cfg, logger);
  const ingestor: Ingestor =
    infra?.ingestor ?? createIngestor({ store: createMemoryStore(), publisher: { publish: async () => undefined } });

  const raw = createReadStream(file);
  let bytes = 0;
  raw.on('data', (chunk) => (bytes += chunk.length));
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });

  const counts = { lines: 0, published: 0, duplicates: 0, invalid: 0, failed: 0 };
  const tty = process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        ' {bar} {percentage}% | {lines} lines | {published} new | {duplicates} dup | {invalid} invalid | {speed}/s | eta {eta_formatted}',
      noTTYOutput: false,
      hideCursor: tty,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedAt = Date.now();
  if (tty) bar.start(size, 0, { ...counts, speed: 0 });
  const update = () => {
    if (tty) bar.update(bytes, { ...counts, speed: Math.round(counts.lines / Math.max(0.001, (Date.now() - startedAt) / 1000)) });
  };

  try {
    let index = 0;
    for await (const line of lines) {
      if (!line.trim()) continue;
      counts.lines++;
      let candidate;
      try {
        candidate = candidateFromLine(line, kind);
      } catch (err) {
        counts.invalid++;
        await infra?.deadLetters.publish({ error: err, payload: line, origin: { url: `file://${file}#L${counts.lines}` } });
        update();
        continue;
      }
      const wait = paceDelayMs(rate, startedAt, index++, Date.now());
      if (wait > 0) await sleep(wait);
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await ingestor.ingest(candidate);
          if (r.duplicate) counts.duplicates++;
          else counts.published++;
          break;
        } catch (err) {
          if (isRetriable(err) && attempt < 5) {
            await sleep(200 * 2 ** attempt);
            continue;
          }
          const e = toNewsFuseError(err);
          if (isRetriable(e)) throw e;
          counts.failed++;
          await infra?.deadLetters.publish({ error: e, payload: line, origin: { url: `file://${file}#L${counts.lines}` } });
          break;
        }
      }
      update();
    }
  } finally {
    if (tty) {
      bar.update(size, { ...counts, speed: Math.round(counts.lines / Math.max(0.001, (Date.now() - startedAt) / 1000)) });
      bar.stop();
    }
    await infra?.closeProducer();
    await infra?.closeRedis();
  }
  const seconds = (Date.now() - startedAt) / 1000;
  process.stdout.write(
    `${JSON.stringify({ file, ...counts, seconds: Number(seconds.toFixed(2)), dryRun: dry, topic: infra?.topics.articles })}\n`,
  );
  return 0;
}

// Run directly (`npm run replay`), not when imported by the newsfuse CLI.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  replayCommand().then(
    (code) => process.exit(code),
    (err: unknown) => {
      createLogger('ingest-replay', undefined, 'stderr').fatal({ err }, 'replay failed');
      process.exit(1);
    },
  );
}
