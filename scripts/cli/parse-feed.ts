/** `newsfuse parse-feed`: see services/ingest/src/cli-parse-feed.ts. */
export { parseFeedCommand as default } from '../../services/ingest/src/cli-parse-feed.ts';
