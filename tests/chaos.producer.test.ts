/**
 * The services' producer (libs/shared createProducer), shared by concurrent senders, when a produce
 * request is appended by the broker but its response is lost — what a broker stopping between append
 * and reply does, made deterministic here by failing the first produce call after it has succeeded.
 * Every acknowledged message must be on the topic (duplicates are allowed: consumers deduplicate).
 *
 * With kafkajs' idempotent producer this loses an acknowledged message: the lost response makes it
 * roll the sequence number back, the next queued send reuses it, and the broker acknowledges that
 * send as a duplicate without writing it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createKafka, createLogger, createProducer, type Producer } from '@newsfuse/shared';
import { getInfra, uniqueId } from '@newsfuse/testkit/harness';
import { createSummary, readTopic } from './chaos.harness.ts';

const require = createRequire(import.meta.url);
// kafkajs' own Broker class (the instance libs/shared uses: one hoisted kafkajs), to lose one response.
const Broker = require('kafkajs/src/broker/index.js') as { prototype: { produce(args: unknown): Promise<unknown> } };
const { KafkaJSConnectionClosedError } = require('kafkajs/src/errors.js') as {
  KafkaJSConnectionClosedError: new (message: string, opts: { host: string; port: number }) => Error;
};

const summary = createSummary('chaos.producer');
const topic = `chaos.producer.${uniqueId('t')}`;
let brokers = '';
let producer: Producer | undefined;
let kafka: ReturnType<typeof createKafka>;

before(async () => {
  brokers = (await getInfra()).brokers;
  kafka = createKafka({ KAFKA_BROKERS: brokers, KAFKA_CLIENT_ID: 'chaos-producer' }, createLogger('chaos-producer', 'silent'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();
  producer = await createProducer(kafka);
  await producer.send({ topic, messages: [{ key: 'warm-up', value: 'warm-up' }] });
});

after(async () => {
  await producer?.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  summary.write();
});

test('a lost produce response never costs an acknowledged message (concurrent senders)', async () => {
  const original = Broker.prototype.produce;
  let calls = 0;
  Broker.prototype.produce = async function lossyProduce(this: unknown, args: unknown) {
    const res = await original.call(this, args);
    if (calls++ === 0) throw new KafkaJSConnectionClosedError('response lost (test)', { host: '127.0.0.1', port: 0 });
    return res;
  };
  const t0 = Date.now();
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${topic}-${x}`);
  let results: PromiseSettledResult<unknown>[];
  try {
    results = await Promise.allSettled(ids.map((id) => producer!.send({ topic, messages: [{ key: id, value: id }] })));
  } finally {
    Broker.prototype.produce = original;
  }
  assert.ok(calls > ids.length, 'the first produce response was dropped and the send retried');
  const keys = (await readTopic(brokers, topic)).map((m) => m.key);
  const acked = ids.filter((_, i) => results[i]!.status === 'fulfilled');
  const lost = acked.filter((id) => !keys.includes(id));
  const duplicates = ids.reduce((n, id) => n + Math.max(0, keys.filter((k) => k === id).length - 1), 0);
  summary.trial({
    trial: 'lost produce response, 6 concurrent sends on one producer',
    articles: ids.length,
    lost: lost.length,
    rawDuplicates: duplicates,
    dedupDuplicates: 0,
    deadLetters: 0,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    note: `${acked.length} acknowledged`,
  });
  assert.deepEqual(acked, ids, 'every send is acknowledged (the producer retries)');
  assert.deepEqual(lost, [], 'acknowledged messages missing from the topic');
});
