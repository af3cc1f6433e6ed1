/**
 * The project CLI: `npx newsfuse <command> [args]` (the root package's bin, scripts/bin/newsfuse.mjs),
 * or `npm run newsfuse -- <command> [args]`. Output on stdout (JSON lines), logs and errors on
 * stderr, a non-zero exit on failure; `newsfuse <command> --help` for each command.
 * A command is either a module under scripts/cli/ whose default export is `(argv) => Promise<exit code>`
 * (loaded only when used), or a service's own entry point run as a child process (scripts never import
 * a service's modules). To add one, add a line to COMMANDS.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

type Handler = (argv: string[]) => Promise<number>;

/** Runs a service's entry point (a path from the repository root) with tsx, passing stdio through. */
const entryPoint =
  (path: string): (() => Promise<{ default: Handler }>) =>
  async () => ({
    default: (argv) =>
      new Promise<number>((resolve, reject) => {
        const file = join(REPO_ROOT, path);
        const child = spawn(process.execPath, ['--import', 'tsx', file, ...argv], { stdio: 'inherit' });
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      }),
  });

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ default: Handler }> }> = {
  score: {
    summary: 'score articles in-process (extract → fuse → score, no Kafka or Redis); prints ScoredEvent JSONL',
    load: () => import('./cli/score.ts'),
  },
  'parse-feed': {
    summary: 'print a feed (file or URL) as ArticleEvent JSONL, via the poller code path',
    load: entryPoint('services/ingest/src/parse-feed.ts'),
  },
  replay: {
    summary: 'publish a JSONL(.gz) file of articles to news.articles.v1, keeping event time (backfill)',
    load: entryPoint('services/ingest/src/replay.ts'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `usage: newsfuse <command> [args]   (newsfuse <command> --help for its options)\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...others] = argv;
  // `newsfuse help score` = `newsfuse score --help`
  const [name, ...rest] = first === 'help' && others[0] ? [others[0], '--help'] : argv;
  if (!name) {
    process.stderr.write(usage());
    return 2;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`newsfuse: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const { default: handler } = await command.load();
  return handler(rest);
}

// `newsfuse … | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// Exit when the command is done, even if a failed command left a connection open (stdout and stderr
// are written synchronously to files and pipes on Linux, so nothing is lost).
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`newsfuse: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
