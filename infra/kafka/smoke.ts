/**
 * Smoke test for a running broker: creates a throw-away topic, produces one message with an
 * idempotent producer, reads it back through a consumer group, deletes the topic.
 *
 *   npx tsx infra/kafka/smoke.ts            # KAFKA_BROKERS, default 127.0.0.1:9092
 *
 * Exit 0 on success; prints the round-trip time.
 */
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const timeoutMs = Number(process.env.SMOKE_TIMEOUT_MS ?? 30_000);
const id = randomUUID().slice(0, 8);
const topic = `newsfuse.smoke.${id}`;
const value = `hello ${new Date().toISOString()}`;

const kafka = new Kafka({ clientId: 'newsfuse-smoke', brokers, logLevel: logLevel.WARN });
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
const consumer = kafka.consumer({ groupId: `newsfuse-smoke-${id}`, allowAutoTopicCreation: false });

const t0 = Date.now();
let timer: NodeJS.Timeout | undefined;
try {
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });

  await producer.connect();
  const [meta] = await producer.send({ topic, messages: [{ key: 'smoke', value }] });
  console.log(`produced to ${topic} partition ${meta?.partition} offset ${meta?.baseOffset}`);

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received = await new Promise<string>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no message consumed within ${timeoutMs} ms`)), timeoutMs);
    consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          console.log(`consumed from partition ${partition} offset ${message.offset}`);
          resolve(message.value?.toString() ?? '');
        },
      })
      .catch(reject);
  });
  if (received !== value) throw new Error(`consumed ${JSON.stringify(received)}, expected ${JSON.stringify(value)}`);
  console.log(`smoke ok: round trip (create topic, produce, join group, consume) in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
} catch (err) {
  console.error(`smoke failed against ${brokers.join(',')}:`, err);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  await consumer.disconnect().catch(() => {});
  await producer.disconnect().catch(() => {});
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect().catch(() => {});
}
