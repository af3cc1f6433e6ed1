import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { spawnLines } from './child.ts';

/** A node child running `code`. */
const node = (code: string, opts: Parameters<typeof spawnLines>[2] = {}) => spawnLines(process.execPath, ['-e', code], opts);

test('lines split across writes are whole; a last line without a newline is kept; stderr apart by default', async () => {
  const c = node(
    `process.stdout.write('al'); setTimeout(() => { process.stdout.write('pha\\nbe'); process.stderr.write('oops\\n');
     setTimeout(() => process.stdout.write('ta\\n\\ngamma'), 20); }, 20);`,
    { until: 'close' },
  );
  assert.deepEqual(await c.exit, { code: 0, signal: null });
  assert.ok(c.exited());
  assert.deepEqual(c.lines, ['alpha', 'beta', '', 'gamma']);
  assert.equal(c.stderr(), 'oops\n');
});

test('stderrLines: stderr lines join stdout lines; everything goes to the log', async () => {
  const log = new PassThrough();
  let logged = '';
  log.on('data', (d: Buffer) => (logged += d.toString()));
  const c = node(`process.stdout.write('out\\n'); setTimeout(() => process.stderr.write('err\\n'), 20);`, {
    stderrLines: true,
    log,
    until: 'close',
  });
  await c.exit;
  assert.deepEqual(c.lines, ['out', 'err']);
  assert.equal(c.stderr(), 'err\n');
  assert.equal(logged, 'out\nerr\n');
});

test('waitLine: the first matching line; after the child ended without one, the error carries its output', async () => {
  const c = node(`console.log('ready 1'); console.log('ready 2'); console.error('why'); setTimeout(() => process.exit(4), 50);`);
  assert.equal(await c.waitLine(/^ready/, 10_000), 'ready 1');
  assert.deepEqual(await c.exit, { code: 4, signal: null });
  await assert.rejects(c.waitLine(/^never/, 300, 'a line that never comes', 20), (err: Error) => {
    assert.match(err.message, /timed out after 300 ms waiting for a line that never comes/);
    assert.match(err.message, /exited \(4\); last lines:\nready 1\nready 2\nstderr:\nwhy/);
    return true;
  });
});

test('a signal ends it: exit says which', async () => {
  const c = node(`console.log('up'); setInterval(() => {}, 1000);`);
  await c.waitLine(/^up$/, 10_000);
  c.child.kill('SIGTERM');
  assert.deepEqual(await c.exit, { code: null, signal: 'SIGTERM' });
});
