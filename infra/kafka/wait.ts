/**
 * Waits until a Kafka broker answers a metadata request (kafkajs admin: connect + describeCluster).
 *
 *   npx tsx infra/kafka/wait.ts [--brokers 127.0.0.1:9092] [--timeout-ms 60000] [--pid N] [--log FILE]
 *                               [--quiet] [--metadata-only]
 *
 * "Answers" means: metadata is served, the group coordinator is available (DescribeGroups, which on
 * a fresh broker also creates __consumer_offsets) and an idempotent producer can get a producer id.
 * --metadata-only checks the first only.
 * Exit 0 when the broker answers (prints cluster id, controller and brokers); exit 1 on timeout, or
 * as soon as --pid is given and that process has exited, printing the last lines of --log.
 * Env fallbacks: KAFKA_BROKERS, KAFKA_WAIT_TIMEOUT_MS.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else out.set(a.slice(2), argv[++i] ?? '');
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function logTail(file: string | undefined, lines = 40): string {
  if (!file) return '';
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return `\n--- last ${Math.min(lines, text.length)} lines of ${file} ---\n${text.slice(-lines).join('\n')}\n---`;
  } catch {
    return `\n(no log at ${file})`;
  }
}

const args = parseArgs(process.argv.slice(2));
const brokers = (args.get('brokers') ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const timeoutMs = Number(args.get('timeout-ms') ?? process.env.KAFKA_WAIT_TIMEOUT_MS ?? 60_000);
const pid = args.has('pid') ? Number(args.get('pid')) : undefined;
const logFile = args.get('log');
const quiet = args.has('quiet');
const coordinators = !args.has('metadata-only');
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`bad timeout ${args.get('timeout-ms')}`);

const started = Date.now();
const deadline = started + timeoutMs;
// One connection attempt per loop iteration; the loop does the retrying, under our deadline.
const kafka = new Kafka({
  clientId: 'newsfuse-kafka-wait',
  brokers,
  connectionTimeout: 1_000,
  requestTimeout: 5_000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});

let lastError = 'no attempt made';
let attempts = 0;
while (Date.now() < deadline) {
  attempts++;
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    // describeCluster answers once the broker has registered; also make sure metadata is served.
    await admin.fetchTopicMetadata({ topics: [] });
    if (coordinators) {
      // FindCoordinator creates __consumer_offsets on a fresh broker; DescribeGroups then fails with
      // COORDINATOR_LOAD_IN_PROGRESS until it has loaded. Likewise the first InitProducerId after a
      // start fails until the broker has a block of producer ids from the controller. Waiting for
      // both here spares the first consumer group and idempotent producer (tests, services) a round
      // of "coordinator is loading" errors in their logs.
      await admin.describeGroups(['newsfuse-kafka-wait']);
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 },
      });
      try {
        await producer.connect();
      } finally {
        await producer.disconnect().catch(() => {});
      }
    }
    if (!quiet) {
      const list = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',');
      console.log(
        `kafka answers at ${brokers.join(',')} (clusterId=${cluster.clusterId}, controller=${cluster.controller}, brokers=${list}) after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    await admin.disconnect().catch(() => {});
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await admin.disconnect().catch(() => {});
  }
  if (pid !== undefined && !alive(pid)) {
    console.error(
      `kafka: broker process ${pid} exited before answering at ${brokers.join(',')} (last error: ${lastError})${logTail(logFile)}`,
    );
    process.exit(1);
  }
  await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
}
if (!quiet) {
  console.error(
    `kafka: no answer from ${brokers.join(',')} within ${(timeoutMs / 1000).toFixed(1)} s after ${attempts} attempts (last error: ${lastError})${logTail(logFile)}`,
  );
}
process.exit(1);
