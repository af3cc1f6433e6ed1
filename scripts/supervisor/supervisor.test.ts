/**
 * The supervisor with real child processes (tiny node scripts): restart after kill -9 while the
 * others keep running, give-up after the limit, stop order, stop after a signal death (the old
 * `exitCode === null` hang), SIGKILL of a child that ignores SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor, type ServiceSpec, type SupervisorOptions } from './supervisor.ts';

const dir = mkdtempSync(join(tmpdir(), 'nf-supervisor-'));
const script = (name: string, body: string) => {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, body);
  return file;
};
const orderFile = join(dir, 'order.txt');
writeFileSync(orderFile, '');
const steady = script(
  'steady',
  `setInterval(() => {}, 1000);
   process.on('SIGTERM', () => { require('fs').appendFileSync(${JSON.stringify(orderFile)}, process.env.NAME + '\\n'); process.exit(0); });
   require('fs').writeFileSync(${JSON.stringify(dir)} + '/ready-' + process.pid, '');`,
);
const crasher = script('crasher', `process.exit(3);`);
const stubborn = script(
  'stubborn',
  `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); require('fs').writeFileSync(${JSON.stringify(dir)} + '/ready-' + process.pid, '');`,
);

const spec = (name: string, file: string): ServiceSpec => ({
  name,
  command: process.execPath,
  args: [file],
  env: { ...process.env, NAME: name } as Record<string, string>,
  cwd: dir,
  healthUrl: name,
});
const opts = (over: Partial<SupervisorOptions> = {}): SupervisorOptions & { lines: string[] } => {
  const lines: string[] = [];
  return {
    policy: { backoffMs: 50, maxBackoffMs: 200, limit: 3, windowMs: 60_000 },
    stopTimeoutMs: 5_000,
    readyTimeoutMs: 5_000,
    log: (m) => lines.push(m),
    pollMs: 20,
    // ready = the child has installed its handlers (it writes ready-<pid>)
    probe: (_url, pid) => existsSync(join(dir, `ready-${pid}`)),
    lines,
    ...over,
  };
};
async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('kill -9 of one service: it is restarted, the others keep their process and count no restart', async () => {
  const o = opts();
  const sup = new Supervisor([spec('a', steady), spec('b', steady), spec('c', steady)], o);
  sup.start();
  await sup.ready();
  const before = sup.status();
  process.kill(before[1]!.pid!, 'SIGKILL');
  await until('b back', () => sup.status()[1]!.state === 'running' && sup.status()[1]!.restarts === 1);
  const after = sup.status();
  assert.notEqual(after[1]!.pid, before[1]!.pid);
  assert.equal(after[1]!.lastExit?.signal, 'SIGKILL');
  assert.equal(after[0]!.pid, before[0]!.pid);
  assert.equal(after[2]!.pid, before[2]!.pid);
  assert.deepEqual(
    after.map((s) => s.restarts),
    [0, 1, 0],
  );
  assert.ok(
    o.lines.some((l) => /b exited unexpectedly \(signal SIGKILL\); restart #1 in 0\.1 s/.test(l)),
    o.lines.join('\n'),
  );
  await sup.stop();
  assert.ok(after.every((s) => !alive(s.pid!)));
});

test('stop() right after a child died by a signal returns (no wait for an exit that already happened) and cancels its restart', async () => {
  const o = opts({ policy: { backoffMs: 10_000, maxBackoffMs: 10_000, limit: 3, windowMs: 60_000 } });
  const sup = new Supervisor([spec('a', steady), spec('b', steady)], o);
  sup.start();
  await sup.ready();
  const [a, b] = sup.status();
  process.kill(b!.pid!, 'SIGKILL');
  await until('b in backoff', () => sup.status()[1]!.state === 'backoff');
  const t0 = Date.now();
  await sup.stop();
  assert.ok(Date.now() - t0 < 3_000, `stop took ${Date.now() - t0} ms`);
  assert.deepEqual(
    sup.status().map((s) => [s.state, s.restarts]),
    [
      ['stopped', 0],
      ['stopped', 0],
    ],
  );
  assert.ok(!alive(a!.pid!));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sup.status()[1]!.pid, null, 'no restart after stop');
});

test('a service that keeps crashing is given up after the limit, reported once', async () => {
  const gaveUp: string[] = [];
  const o = opts({ onGiveUp: (s) => gaveUp.push(`${s.name}:${s.restarts}`) });
  const sup = new Supervisor([spec('ok', steady), spec('bad', crasher)], o);
  sup.start();
  await assert.rejects(sup.ready(), /bad kept crashing/);
  assert.deepEqual(gaveUp, ['bad:3']);
  assert.equal(sup.status()[1]!.state, 'failed');
  assert.equal(sup.status()[1]!.lastExit?.code, 3);
  assert.ok(
    o.lines.some((l) => /bad exited \(code 3\): 4 crashes within 60 s, more than the limit of 3; giving up/.test(l)),
    o.lines.join('\n'),
  );
  assert.equal(sup.status()[0]!.state, 'running', 'the others keep running');
  await sup.stop();
});

test('stop() goes in the order given, one service after the other, and is idempotent', async () => {
  writeFileSync(orderFile, '');
  const sup = new Supervisor(
    ['dashboard', 'score', 'fuse', 'extract', 'ingest'].map((n) => spec(n, steady)),
    opts(),
  );
  sup.start();
  await sup.ready();
  const order = ['ingest', 'extract', 'fuse', 'score', 'dashboard'];
  const [x, y] = [sup.stop(order), sup.stop(order)];
  assert.equal(x, y);
  await x;
  assert.deepEqual(readFileSync(orderFile, 'utf8').trim().split('\n'), order);
});

test('a child that ignores SIGTERM is killed after the stop timeout', async () => {
  const o = opts({ stopTimeoutMs: 300 });
  const sup = new Supervisor([spec('stubborn', stubborn)], o);
  sup.start();
  await sup.ready();
  const pid = sup.status()[0]!.pid!;
  await sup.stop();
  assert.ok(!alive(pid));
  assert.equal(sup.status()[0]!.lastExit?.signal, 'SIGKILL');
  assert.ok(o.lines.some((l) => /stubborn did not stop in 0.3 s; killing it/.test(l)));
});

test('killAll (a second Ctrl-C) kills at once and counts no crash or restart', async () => {
  const o = opts({ stopTimeoutMs: 10_000 });
  const sup = new Supervisor([spec('a', stubborn), spec('b', steady)], o);
  sup.start();
  await sup.ready();
  const pids = sup.status().map((s) => s.pid!);
  const stopping = sup.stop();
  sup.killAll();
  const t0 = Date.now();
  await stopping;
  assert.ok(Date.now() - t0 < 3_000);
  assert.ok(pids.every((p) => !alive(p)));
  assert.deepEqual(
    sup.status().map((s) => [s.state, s.restarts]),
    [
      ['stopped', 0],
      ['stopped', 0],
    ],
  );
  assert.ok(!o.lines.some((l) => /unexpectedly/.test(l)), o.lines.join('\n'));
});
