/**
 * The project CLI: `npm run newsfuse -- <command> [args]`.
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
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `usage: newsfuse <command> [args]\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`newsfuse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
