/** `newsfuse replay`: see services/ingest/src/replay.ts (also `npm run replay`). */
export { replayCommand as default } from '../../services/ingest/src/replay.ts';
