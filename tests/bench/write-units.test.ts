// The meters behind the bench's write-unit and partition figures: item sizes by DynamoDB's rules, WCU per
// write (started KB of the larger image, doubled in a transaction), and the key shapes partitions are
// reported by (ids folded, days, shards and categories kept).
import { describe, expect, it } from 'vitest';
import { keyShape } from '../../bench/partitions.ts';
import { itemSize, writeUnits } from '../../bench/write-units.ts';

describe('itemSize and writeUnits', () => {
  it('sizes an item as attribute names plus values', () => {
    expect(itemSize({ pk: { S: 'AGG#day' }, n: { N: '1234' } })).toBe(2 + 7 + 1 + 3);
    expect(itemSize({ m: { M: { a: { S: 'xy' } } }, l: { L: [{ BOOL: true }] } })).toBe(1 + (3 + 1 + 2 + 1) + 1 + (3 + 1 + 1));
    expect(itemSize(undefined)).toBe(0);
  });

  it('bills the larger image in started KB, at least 1, twice in a transaction', () => {
    expect(writeUnits(0, 100, false)).toBe(1);
    expect(writeUnits(1500, 900, false)).toBe(2);
    expect(writeUnits(1024, 1024, true)).toBe(2);
    expect(writeUnits(1025, 0, true)).toBe(4);
  });
});

describe('keyShape', () => {
  it('folds what names one case, message or person, and keeps periods, shards and categories', () => {
    expect(keyShape('AGG#day#2026-12-04')).toBe('AGG#day#<day…>');
    expect(keyShape('CASES#3')).toBe('CASES#3');
    expect(keyShape('TREND#refund')).toBe('TREND#refund');
    expect(keyShape('CASE#0b5f1c3e-8d2a-4c1e-9f7a-2d3c4b5a6e7f')).toBe('CASE#<id>');
    expect(keyShape('REQUESTER#ann@example.com')).toBe('REQUESTER#<id>');
    expect(keyShape('IDEMPOTENCY#fingerprint:4b9b67b94676c47550a935b421867d51acaac588')).toBe('IDEMPOTENCY#<id>');
  });
});
