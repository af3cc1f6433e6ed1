/**
 * Runs the main job (`npm start [-- --only …]`) as a user does, in its own process group, and reads
 * what its supervisor reports: stdout lines, the supervision records in Redis, the services' /metrics.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { decodeSupervision, supervisionKey, type SupervisedService } from '@newsfuse/shared';
import { spawnLines } from '@newsfuse/testkit/child';
import { OUTPUT, freePort } from '@newsfuse/testkit/harness';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

export const SERVICE_PORT_VARS = {
  dashboard: 'DASHBOARD_PORT',
  ingest: 'INGEST_PORT',
  extract: 'EXTRACT_PORT',
  fuse: 'FUSE_PORT',
  score: 'SCORE_PORT',
} as const;
export type Service = keyof typeof SERVICE_PORT_VARS;

export interface MainJob {
  child: ChildProcess;
  ports: Record<Service, number>;
  lines: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Sends `signal` to the whole process group (npm, tsx and the supervisor; the services have their own). */
  signal(signal: NodeJS.Signals): void;
}

/** Free ports for the five services, as env for npm start. */
export async function servicePorts(): Promise<Record<Service, number>> {
  const ports = {} as Record<Service, number>;
  for (const s of Object.keys(SERVICE_PORT_VARS) as Service[]) ports[s] = await freePort();
  return ports;
}

export async function startMainJob(tag: string, env: Record<string, string>, args: string[] = []): Promise<MainJob> {
  mkdirSync(OUTPUT, { recursive: true });
  const ports = await servicePorts();
  const portEnv = Object.fromEntries((Object.keys(ports) as Service[]).map((s) => [SERVICE_PORT_VARS[s], String(ports[s])]));
  const log = createWriteStream(join(OUTPUT, `${tag}.main.log`), { flags: 'a' });
  // 'close': every process holding npm start's stdout (npm, tsx, the supervisor) has exited.
  const job = spawnLines('npm', ['start', '--silent', ...(args.length ? ['--', ...args] : [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...portEnv, ...env },
    detached: true,
    stderrLines: true,
    log,
    until: 'close',
  });
  const { child } = job;
  return {
    child,
    ports,
    lines: job.lines,
    exit: job.exit,
    waitLine: (pattern, timeoutMs) =>
      job.waitLine(pattern, timeoutMs, `a line matching ${pattern} from npm start (see test-output/${tag}.main.log)`, 200),
    signal(signal) {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** The supervision records of `host` (by service). */
export async function supervision(redis: Redis, prefix: string, host: string): Promise<Map<string, SupervisedService>> {
  const all = decodeSupervision(await redis.hgetall(supervisionKey({ NEWSFUSE_PREFIX: prefix })));
  return new Map(all.filter((r) => r.host === host).map((r) => [r.service, r]));
}

/** Sum of a counter's samples whose labels include `labels`, from a service's /metrics. */
export async function metricSum(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
