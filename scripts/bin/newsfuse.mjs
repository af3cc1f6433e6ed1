#!/usr/bin/env node
// The `newsfuse` command of the root package (`npx newsfuse …` after `npm ci`): registers tsx's
// loader in this process and runs scripts/newsfuse.ts, so signals, stdio and the exit code are the
// command's own.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../newsfuse.ts', import.meta.url).href);
