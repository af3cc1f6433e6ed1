/**
 * A Kafka outage longer than the producer's retry budget, on a broker of this file's own: a consumer
 * (libs/shared runConsumer) whose handler publishes must redeliver the message once the broker is back,
 * not dead-letter it; a genuinely bad message in the same stream is still dead-lettered.
 *
 * The services' retry budget (KAFKA_RETRIES, 10: about 100 s) is shortened to 2 retries (about 1 s) so
 * that the outage outlasts it without the test waiting minutes. The handler of the first message is held
 * until the broker is stopped, so its send runs into the outage.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArticleEvent,
  DeadLetter,
  createDeadLetterSink,
  createKafka,
  createLogger,
  createProducer,
  decode,
  isTransientInfraError,
  runConsumer,
  type Consumer,
  type DeadLetterSink,
  type Producer,
} from '@newsfuse/shared';
import { groupCaughtUp, uniqueId, waitFor } from '@newsfuse/testkit/harness';
import { createOwnBroker, createSummary, kafkaClient, readTopic, type OwnBroker } from './chaos.harness.ts';
import { makeArticle } from './fixtures/articles.ts';

const summary = createSummary('chaos.redelivery');
const id = uniqueId('redeliver');
const topics = { input: `in.${id}`, output: `out.${id}`, deadletter: `dl.${id}` };
const groupId = `${id}-group`;
let broker: OwnBroker | undefined;
let producer: Producer | undefined;
let consumer: Consumer | undefined;

before(async () => {
  broker = await createOwnBroker('redelivery');
  await broker.start();
  const admin = kafkaClient(broker.brokers, 'redelivery-admin').admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })),
  });
  await admin.disconnect();
});

after(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await broker?.dispose();
  summary.write();
});

test('a send that fails after the producer retries is redelivered once Kafka is back; only bad input is dead-lettered', async () => {
  const t0 = Date.now();
  const logger = createLogger('chaos-redelivery', 'silent');
  const kafka = createKafka({ KAFKA_BROKERS: broker!.brokers, KAFKA_CLIENT_ID: 'redelivery', KAFKA_RETRIES: 2 }, logger);
  producer = await createProducer(kafka);
  const realSink = createDeadLetterSink({ producer, topic: topics.deadletter, stage: 'redelivery-test', logger });
  const deadLettered: string[] = [];
  const sink: DeadLetterSink = {
    async publish(input) {
      deadLettered.push(`${input.articleId ?? '?'}: ${String((input.error as Error).message)}`);
      await realSink.publish(input);
    },
  };
  const articles = [0, 1, 2, 3, 4].map((i) => makeArticle(900_000 + i, [], id));
  const sendFailures: unknown[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = false;
  let heldId: string | undefined;
  const handled = new Map<string, number>();

  consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, allowAutoTopicCreation: false });
  await runConsumer({
    consumer,
    topic: topics.input,
    stage: 'redelivery-test',
    groupId,
    logger,
    deadLetters: sink,
    retryBackoffMs: { min: 200, max: 2_000 },
    async handle(message) {
      const article = decode(ArticleEvent, message.value); // the bad message throws here: dead-lettered
      if (!held) {
        held = true;
        heldId = article.articleId; // the first to arrive: with several partitions, not necessarily articles[0]
        await gate; // the broker is stopped meanwhile
      }
      handled.set(article.articleId, (handled.get(article.articleId) ?? 0) + 1);
      try {
        await producer!.send({ topic: topics.output, messages: [{ key: article.articleId, value: message.value! }] });
      } catch (err) {
        sendFailures.push(err);
        throw err;
      }
    },
  });

  const input = kafkaClient(broker!.brokers, 'redelivery-input').producer();
  await input.connect();
  await input.send({
    topic: topics.input,
    messages: [
      ...articles.map((a) => ({ key: a.articleId, value: JSON.stringify(a) })),
      { key: `${id}-bad`, value: '{"not": "an article"' },
    ],
  });
  await input.disconnect();

  await waitFor(() => (held ? true : undefined), 60_000, 'the first message to reach the handler');
  const down = Date.now();
  await broker!.stop();
  release();
  await waitFor(() => (sendFailures.length >= 1 ? true : undefined), 60_000, 'a send to fail after its retries');
  await broker!.start();
  const downSeconds = (Date.now() - down) / 1000;

  await waitFor(
    async () => {
      const admin = kafkaClient(broker!.brokers, 'redelivery-admin').admin();
      await admin.connect();
      try {
        return (await groupCaughtUp(admin, groupId, topics.input)) ? true : undefined;
      } finally {
        await admin.disconnect();
      }
    },
    180_000,
    'the consumer group to commit every input message',
    500,
  );
  const [out, dead] = await Promise.all([readTopic(broker!.brokers, topics.output), readTopic(broker!.brokers, topics.deadletter)]);
  const outKeys = out.map((m) => m.key!);
  const lost = articles.filter((a) => !outKeys.includes(a.articleId));
  const rawDuplicates = outKeys.length - new Set(outKeys).size;
  const deadRecords = dead.map((m) => decode(DeadLetter, m.value));
  summary.trial({
    trial: `Kafka down past the producer's retry budget (KAFKA_RETRIES=2), consumer redelivers`,
    articles: articles.length,
    lost: lost.length,
    rawDuplicates,
    dedupDuplicates: 0,
    deadLetters: deadRecords.filter((d) => d.articleId !== `${id}-bad`).length,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    note: `broker down ${downSeconds.toFixed(1)} s; ${sendFailures.length} failed sends redelivered; the bad message dead-lettered`,
  });

  assert.ok(
    sendFailures.every((e) => isTransientInfraError(e)),
    `the failed sends are outage errors: ${sendFailures.map((e) => (e as Error).name).join(', ')}`,
  );
  assert.ok((handled.get(heldId!) ?? 0) >= 2, `the message whose send failed (${heldId}) was handled again`);
  assert.deepEqual(
    lost.map((a) => a.articleId),
    [],
    'every article reached the output topic',
  );
  assert.deepEqual(
    deadRecords.map((d) => `${d.articleId}: ${d.code}`),
    [`${id}-bad: EVENT_INVALID_JSON`],
    'only the bad message is dead-lettered',
  );
  assert.equal(deadLettered.length, 1, `dead-letter calls: ${deadLettered.join('; ')}`);
});
