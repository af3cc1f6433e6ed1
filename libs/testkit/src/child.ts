/**
 * A child process a test reads line by line: spawned with stdout and stderr piped, stdout's complete
 * lines collected as they arrive (stderr's too when asked), stderr's text kept, a promise of its end,
 * and a wait for a line with a deadline. The main job (tests/main-job.harness.ts) and the service
 * launcher's tests (scripts/bin/service.test.ts) read their children through it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { waitFor } from './harness.ts';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LineChildOptions extends Omit<SpawnOptions, 'stdio'> {
  /** stderr's lines go to `lines` too, in arrival order (default: stdout's only; `stderr()` has stderr either way). */
  stderrLines?: boolean;
  /** Every chunk of stdout and stderr is also written here (a log file). */
  log?: Writable;
  /**
   * What `exit` waits for: the process's 'exit' (default), or 'close' — it and every process that holds
   * its stdout or stderr (e.g. npm's children) have exited, and both streams are read to the end.
   */
  until?: 'exit' | 'close';
}

export interface LineChild {
  child: ChildProcess;
  /** Complete lines so far, without their newline; a last unterminated line is added when its stream ends. */
  lines: string[];
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  exit: Promise<ChildExit>;
  /** `exit` has resolved. */
  exited(): boolean;
  /**
   * The first line matching `pattern`, polled every `everyMs` until `timeoutMs`; once the child has
   * ended without one, the deadline's error carries its last lines (and stderr).
   */
  waitLine(pattern: RegExp, timeoutMs: number, what?: string, everyMs?: number): Promise<string>;
}

export function spawnLines(command: string, args: readonly string[], opts: LineChildOptions = {}): LineChild {
  const { stderrLines = false, log, until = 'exit', ...spawnOptions } = opts;
  const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  const read = (stream: Readable, keepLines: boolean, onText?: (s: string) => void) => {
    stream.setEncoding('utf8');
    let buf = '';
    stream.on('data', (s: string) => {
      log?.write(s);
      onText?.(s);
      if (!keepLines) return;
      const parts = (buf + s).split('\n');
      buf = parts.pop()!;
      lines.push(...parts);
    });
    stream.once('end', () => {
      if (keepLines && buf) lines.push(buf);
    });
  };
  read(child.stdout!, true);
  read(child.stderr!, stderrLines, (s) => (err += s));
  let done = false;
  const exit = new Promise<ChildExit>((resolve) =>
    child.once(until, (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })),
  );
  void exit.then(() => (done = true));
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    exited: () => done,
    waitLine(pattern, timeoutMs, what = `a line matching ${pattern}`, everyMs = 200) {
      return waitFor(
        () => {
          const hit = lines.find((l) => pattern.test(l));
          if (hit !== undefined) return hit;
          if (done)
            throw new Error(
              `${command} exited (${child.exitCode ?? child.signalCode}); last lines:\n${lines.slice(-15).join('\n')}` +
                (!stderrLines && err ? `\nstderr:\n${err.slice(-4000)}` : ''),
            );
          return undefined;
        },
        timeoutMs,
        what,
        everyMs,
      );
    },
  };
}
