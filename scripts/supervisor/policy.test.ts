import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, describeExit, onCrash, type RestartPolicy } from './policy.ts';

const policy: RestartPolicy = { backoffMs: 500, maxBackoffMs: 4_000, limit: 3, windowMs: 60_000 };

test('backoff doubles from the base and is capped', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 40].map((n) => backoffDelay(policy, n)),
    [500, 1_000, 2_000, 4_000, 4_000, 4_000],
  );
});

test('crashes within the window raise the delay; one more than the limit gives up', () => {
  let history: number[] = [];
  const decisions = [0, 1_000, 2_000, 3_000].map((t) => {
    const r = onCrash(policy, history, t);
    history = r.history;
    return r.decision;
  });
  assert.deepEqual(decisions, [
    { action: 'restart', delayMs: 500, inWindow: 1 },
    { action: 'restart', delayMs: 1_000, inWindow: 2 },
    { action: 'restart', delayMs: 2_000, inWindow: 3 },
    { action: 'give-up', inWindow: 4 },
  ]);
});

test('crashes older than the window are forgotten: a service that stayed up starts again from the base delay', () => {
  const first = onCrash(policy, [], 0);
  const second = onCrash(policy, first.history, 30_000);
  assert.equal(second.decision.action, 'restart');
  const late = onCrash(policy, second.history, 30_000 + 60_001);
  assert.deepEqual(late.decision, { action: 'restart', delayMs: 500, inWindow: 1 });
  assert.deepEqual(late.history, [90_001]);
});

test('a limit of 0 gives up on the first crash', () => {
  assert.deepEqual(onCrash({ ...policy, limit: 0 }, [], 5).decision, { action: 'give-up', inWindow: 1 });
});

test('exits are described by signal first, then code', () => {
  assert.equal(describeExit(null, 'SIGKILL'), 'signal SIGKILL');
  assert.equal(describeExit(1, null), 'code 1');
});
