/**
 * Transport overhead without the pipeline: raw kafkajs produce → consume of messages the size of the
 * pipeline's events, and a raw BullMQ flow (one text child, `images` image children, a parent) with
 * processors that do nothing. Producer and consumer settings are the services' own (libs/shared).
 */
import { FlowProducer, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createKafka, createLogger, createProducer, ensureTopics } from '@newsfuse/shared';
import { percentile } from './procs.ts';

export interface KafkaRaw {
  messages: number;
  bytes: number;
  msgsPerS: number;
  mbPerS: number;
  p50Ms: number;
  p99Ms: number;
}

/** Sends `n` messages of `bytes` (in batches of 1, like the services' per-event sends, `inFlight` at a time) and consumes them. */
export async function kafkaRaw(brokers: string, run: string, n: number, bytes: number, inFlight = 16): Promise<KafkaRaw> {
  const log = createLogger('bench', 'warn');
  const kafka = createKafka({ KAFKA_BROKERS: brokers, KAFKA_CLIENT_ID: 'bench-raw' }, log);
  const topic = `bench.raw.${run}.${bytes}`;
  await ensureTopics(kafka, [topic], 3);
  const producer = await createProducer(kafka);
  const consumer = kafka.consumer({ groupId: `bench-raw-${run}-${bytes}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const k = message.key!.toString();
      const t = sentAt.get(k);
      if (t !== undefined) {
        lat.push(performance.now() - t);
        sentAt.delete(k);
        if (++received === n) done();
      }
    },
  });
  await new Promise((r) => setTimeout(r, 3000)); // group joined, partitions assigned
  const payload = Buffer.alloc(bytes, 'x');
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < n; i = next++) {
        const key = `m${i}`;
        sentAt.set(key, performance.now());
        await producer.send({ topic, messages: [{ key, value: payload }] });
      }
    }),
  );
  await Promise.race([all, new Promise((r) => setTimeout(r, 120_000))]);
  const wallS = (performance.now() - t0) / 1000;
  await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  lat.sort((a, b) => a - b);
  return {
    messages: received,
    bytes,
    msgsPerS: received / wallS,
    mbPerS: (received * bytes) / wallS / 1e6,
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
  };
}

export interface FlowRaw {
  flows: number;
  images: number;
  flowsPerS: number;
  jobsPerS: number;
}

/** `n` flows of 1 text child + `images` image children + a parent, no-op processors, the services' concurrency. */
export async function bullFlowRaw(
  redisUrl: string,
  run: string,
  n: number,
  images: number,
  concurrency: { text: number; image: number; fuse: number },
): Promise<FlowRaw> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bench-flow-${run}`;
  const opts = { connection, prefix };
  const flows = new FlowProducer(opts);
  let finished = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const noop = async (job: Job) => ({ id: job.id });
  const workers = [
    new Worker('t', noop, { ...opts, concurrency: concurrency.text }),
    new Worker('i', noop, { ...opts, concurrency: concurrency.image }),
    new Worker(
      'f',
      async (job: Job) => {
        await job.getChildrenValues();
        if (++finished === n) done();
        return null;
      },
      { ...opts, concurrency: concurrency.fuse },
    ),
  ];
  const jobOpts = { removeOnComplete: true, removeOnFail: true };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await flows.add({
      name: 'fuse',
      queueName: 'f',
      data: { i },
      opts: jobOpts,
      children: [
        { name: 'text', queueName: 't', data: { i }, opts: jobOpts },
        ...Array.from({ length: images }, (_, k) => ({ name: 'image', queueName: 'i', data: { i, k }, opts: jobOpts })),
      ],
    });
  }
  await Promise.race([all, new Promise((r) => setTimeout(r, 120_000))]);
  const wallS = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.close()));
  await flows.close();
  const keys = await connection.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await connection.del(...keys.slice(i, i + 500));
  connection.disconnect();
  return { flows: finished, images, flowsPerS: finished / wallS, jobsPerS: (finished * (images + 2)) / wallS };
}
