import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLanes, type Lane } from './lanes.ts';

/** Serve everything queued, one request at a time, as the host does; returns the order. */
function drain(lanes: ReturnType<typeof createLanes<string>>, arrivals: Map<number, [Lane, string][]> = new Map()): string[] {
  const order: string[] = [];
  for (let turn = 0; ; turn++) {
    for (const [lane, item] of arrivals.get(turn) ?? []) lanes.push(lane, item);
    const lane = lanes.pick();
    if (!lane) {
      if ([...arrivals.keys()].some((t) => t > turn)) continue;
      return order;
    }
    order.push(lanes[lane].shift()!);
    lanes.served(lane);
  }
}

test('fast requests go before queued normal ones; within a lane, arrival order', () => {
  const lanes = createLanes<string>(4);
  for (const x of ['img1', 'img2']) lanes.push('normal', x);
  for (const x of ['txt1', 'txt2']) lanes.push('fast', x);
  assert.equal(lanes.size, 4);
  assert.deepEqual(drain(lanes), ['txt1', 'txt2', 'img1', 'img2']);
});

test('no starvation: while a normal request waits, at most `burst` fast requests are served before it', () => {
  const lanes = createLanes<string>(2);
  lanes.push('normal', 'img1');
  lanes.push('normal', 'img2');
  for (let i = 1; i <= 5; i++) lanes.push('fast', `txt${i}`);
  assert.deepEqual(drain(lanes), ['txt1', 'txt2', 'img1', 'txt3', 'txt4', 'img2', 'txt5']);
});

test('the count starts again once no normal request waits', () => {
  const lanes = createLanes<string>(2);
  // turn 0: two fast requests and nothing else; turn 2: a normal one and three fast ones arrive together
  const arrivals = new Map<number, [Lane, string][]>([
    [
      0,
      [
        ['fast', 'txt1'],
        ['fast', 'txt2'],
      ],
    ],
    [
      2,
      [
        ['normal', 'img1'],
        ['fast', 'txt3'],
        ['fast', 'txt4'],
        ['fast', 'txt5'],
      ],
    ],
  ]);
  // txt1 and txt2 ran with no normal request waiting: they do not count against img1
  assert.deepEqual(drain(lanes, arrivals), ['txt1', 'txt2', 'txt3', 'txt4', 'img1', 'txt5']);
});

test('a normal request waits for at most `burst` fast requests however many keep arriving (burst 1…5)', () => {
  for (let burst = 1; burst <= 5; burst++) {
    const lanes = createLanes<string>(burst);
    const order: string[] = [];
    let ahead = 0; // fast requests served in a row while a normal one waited
    let most = 0;
    // two fast requests arrive every turn (more than the host serves), a normal one every 7th turn up to turn 49
    for (let turn = 0; turn < 60; turn++) {
      lanes.push('fast', `txt${turn}a`);
      lanes.push('fast', `txt${turn}b`);
      if (turn % 7 === 0 && turn < 50) lanes.push('normal', `img${turn}`);
      const lane = lanes.pick()!;
      const waiting = lanes.normal.length > 0;
      order.push(lanes[lane].shift()!);
      lanes.served(lane);
      ahead = lane === 'fast' && waiting ? ahead + 1 : 0;
      most = Math.max(most, ahead);
      assert.equal(lanes.streak, ahead);
    }
    assert.equal(most, burst, `burst ${burst}: the fast lane used its burst and no more`);
    const served = order.filter((x) => x.startsWith('img'));
    assert.deepEqual(served, ['img0', 'img7', 'img14', 'img21', 'img28', 'img35', 'img42', 'img49'], 'every normal request was served');
  }
});

test('burst must be a whole number ≥ 1', () => {
  assert.throws(() => createLanes(0), RangeError);
  assert.throws(() => createLanes(1.5), RangeError);
});
