import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiveHub, formatEvent, type LiveClient } from './live.ts';

function client(window = '1h') {
  const chunks: string[] = [];
  let open = true;
  const c: LiveClient & { chunks: string[]; drop(): void } = {
    window,
    chunks,
    send: (s) => (open ? (chunks.push(s), true) : false),
    close: () => {
      open = false;
    },
    drop: () => {
      open = false;
    },
  };
  return c;
}

const events = (c: { chunks: string[] }, name: string) => c.chunks.filter((s) => s.includes(`event: ${name}\n`));

test('formatEvent writes one SSE event', () => {
  assert.equal(formatEvent('snapshot', { a: 1 }, 3), 'id: 3\nevent: snapshot\ndata: {"a":1}\n\n');
});

test('snapshots go out per window when the data token changes; health when only health changes', async () => {
  let rev = 1;
  let health = 1;
  let now = 0;
  const built: string[] = [];
  const hub = createLiveHub({
    intervalMs: 1000,
    heartbeatMs: 15_000,
    maxClients: 3,
    dataToken: async () => String(rev),
    healthToken: () => String(health),
    snapshot: async (w) => (built.push(w), { w, rev }),
    health: async () => ({ health }),
    now: () => now,
  });
  const a = client('1h');
  const b = client('1h');
  const c = client('24h');
  assert.ok(hub.add(a) && hub.add(b) && hub.add(c));
  assert.equal(hub.add(client()), false, 'full');
  await new Promise((r) => setImmediate(r));
  assert.equal(events(a, 'snapshot').length, 1, 'first snapshot on connect');
  built.length = 0;

  await hub.tick();
  assert.deepEqual(built.sort(), ['1h', '24h'], 'one build per window');
  await hub.tick();
  assert.equal(built.length, 2, 'nothing changed, nothing built');

  health = 2;
  await hub.tick();
  assert.equal(events(a, 'health').length, 1);
  assert.equal(built.length, 2);

  rev = 2;
  now = 20_000;
  b.drop();
  await hub.tick();
  assert.equal(hub.size, 2, 'a client that is gone is removed');
  assert.equal(events(a, 'snapshot').length, 3);
  assert.match(events(c, 'snapshot').at(-1)!, /"rev":2/);

  now = 40_000;
  await hub.tick();
  assert.ok(a.chunks.at(-1)!.startsWith(': keep-alive'));
  hub.close();
  assert.equal(hub.size, 0);
  assert.equal(hub.add(client()), false, 'closed');
});
