/**
 * Publishes ArticleEvents to Kafka: key = articleId (so every version of an article lands on one
 * partition, in order), value = the validated JSON, through the shared at-least-once producer (duplicates are dropped downstream by articleId+version).
 */
import { ArticleEvent, NewsFuseError, encode, type Producer } from '@newsfuse/shared';
import type { ArticlePublisher } from '@newsfuse/stage-ingest/ingestor';

export function createKafkaPublisher(opts: { producer: Producer; topic: string }): ArticlePublisher {
  return {
    async publish(event) {
      const value = encode(ArticleEvent, event);
      try {
        await opts.producer.send({
          topic: opts.topic,
          messages: [
            { key: event.articleId, value, headers: { 'newsfuse-version': String(event.version), 'newsfuse-source': event.source.kind } },
          ],
        });
      } catch (err) {
        throw new NewsFuseError('INFRA_UNAVAILABLE', `could not publish to ${opts.topic}: ${(err as Error).message}`, {
          retriable: true,
          cause: err,
        });
      }
    },
  };
}
