import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ellipsis } from './strings.ts';

test('ellipsis: a text longer than max ends in … at max characters; a shorter one is unchanged', () => {
  assert.equal(ellipsis('Flooding in Lisbon', 12), 'Flooding in…');
  assert.equal(ellipsis('Flooding in Lisbon', 12).length, 12);
  assert.equal(ellipsis('Flooding', 8), 'Flooding');
  assert.equal(ellipsis('Flooding', 100), 'Flooding');
  assert.equal(ellipsis('', 3), '');
});
