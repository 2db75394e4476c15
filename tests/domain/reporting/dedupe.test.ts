// Exactly-once counting over redelivered stream batches, and hot-key sharding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AggregateKey } from '../../../domain/reporting/aggregate.ts';
import { changedWatermarks, eventId, newEvents, nextWatermarks } from '../../../domain/reporting/dedupe.ts';
import { requiredShards, shardFor } from '../../../domain/reporting/shards.ts';

const e = (caseId: string, version: number) => ({ caseId, version, type: 'x' });

describe('newEvents', () => {
  it('drops versions at or below the watermark and keeps the rest in order', () => {
    const marks = new Map([['a', 2]]);
    const batch = [e('a', 2), e('b', 1), e('a', 3), e('a', 1), e('b', 2), e('a', 4)];
    expect(newEvents(batch, marks)).toEqual([e('b', 1), e('a', 3), e('b', 2), e('a', 4)]);
  });

  it('drops a whole redelivered batch once its watermarks are stored', () => {
    const batch = [e('a', 1), e('a', 2), e('b', 1)];
    const marks = nextWatermarks(newEvents(batch, new Map()), new Map());
    expect(newEvents(batch, marks)).toEqual([]);
    // A retried batch that overlaps the applied one: only the new tail counts.
    expect(newEvents([e('a', 2), e('a', 3), e('b', 1), e('c', 1)], marks)).toEqual([e('a', 3), e('c', 1)]);
  });

  it('counts a record repeated inside one batch once', () => {
    expect(newEvents([e('a', 1), e('a', 1), e('a', 2), e('a', 2)], new Map())).toEqual([e('a', 1), e('a', 2)]);
  });

  it('does not change its inputs', () => {
    const marks = new Map([['a', 1]]);
    const batch = Object.freeze([e('a', 1), e('a', 2)]);
    newEvents(batch, marks);
    nextWatermarks(batch, marks);
    expect(marks).toEqual(new Map([['a', 1]]));
  });
});

describe('nextWatermarks', () => {
  it('raises each case to its highest version and never lowers one', () => {
    const marks = new Map([['a', 5], ['z', 9]]);
    expect(nextWatermarks([e('a', 3), e('b', 2), e('b', 1)], marks)).toEqual(new Map([['a', 5], ['z', 9], ['b', 2]]));
    expect(changedWatermarks([e('a', 6), e('a', 3), e('b', 2)], marks)).toEqual(new Map([['a', 6], ['b', 2]]));
  });

  it('gives an event id of case and version', () => {
    expect(eventId(e('case-1', 7))).toBe('case-1#7');
  });

  it('with any redelivery schedule, every event is applied exactly once', () => {
    // A log of events for a few cases, delivered as overlapping batches (each batch re-sends a
    // suffix of what came before, like a retried or bisected batch), in per-case order.
    const arbLog = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 40 }).map((cases) => {
      const next = new Map<string, number>();
      return cases.map((c) => {
        next.set(c, (next.get(c) ?? 0) + 1);
        return e(c, next.get(c)!);
      });
    });
    fc.assert(
      fc.property(arbLog, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 20 }), (log, cuts) => {
        let marks = new Map<string, number>();
        const applied: string[] = [];
        let delivered = 0;
        for (const [back, size] of cuts) {
          const start = Math.max(0, delivered - (back % 5));
          const end = Math.min(log.length, start + 1 + (size % 8));
          const batch = log.slice(start, end);
          const fresh = newEvents(batch, marks);
          applied.push(...fresh.map(eventId));
          marks = nextWatermarks(fresh, marks);
          delivered = Math.max(delivered, end);
        }
        const rest = newEvents(log, marks); // the stream eventually delivers everything
        applied.push(...rest.map(eventId));
        expect(applied.sort()).toEqual(log.map(eventId).sort());
      }),
    );
  });
});

describe('shardFor', () => {
  const key: AggregateKey = { granularity: 'day', period: '2026-11-24', category: 'gifts_coins', priority: 'P2', channel: 'web' };

  it('is stable and within range', () => {
    for (let i = 0; i < 200; i++) {
      const s = shardFor(key, `case-${i}#1`, 7);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(7);
      expect(Number.isInteger(s)).toBe(true);
      expect(shardFor({ ...key }, `case-${i}#1`, 7)).toBe(s);
    }
    // Field order of the key does not matter.
    const reordered = { channel: 'web', priority: 'P2', category: 'gifts_coins', period: '2026-11-24', granularity: 'day' };
    expect(shardFor(reordered, 'case-1#1', 8)).toBe(shardFor(key, 'case-1#1', 8));
    expect(shardFor(key, 'case-1#1', 1)).toBe(0);
  });

  it('spreads one hot key evenly over its shards', () => {
    for (const shards of [2, 4, 8, 10]) {
      const counts = new Array<number>(shards).fill(0);
      const events = 20_000;
      for (let i = 0; i < events; i++) counts[shardFor(key, `0000-${i.toString(16)}#${(i % 9) + 1}`, shards)]!++;
      const expected = events / shards;
      for (const c of counts) expect(Math.abs(c - expected) / expected).toBeLessThan(0.06);
    }
  });

  it('rejects a shard count that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => shardFor(key, 'x', bad)).toThrow(RangeError);
  });

  it('one shard holds 10× the expected peak; the partition limit needs many more', () => {
    // 50k/day × 10 for an hour ≈ 5.8 cases/s × ~8 events ≈ 46 updates/s, ~2 WCU each.
    expect(requiredShards({ updatesPerSecond: 46, wcuPerUpdate: 2 })).toBe(1);
    expect(requiredShards({ updatesPerSecond: 250, wcuPerUpdate: 2 })).toBe(1);
    expect(requiredShards({ updatesPerSecond: 251, wcuPerUpdate: 2 })).toBe(2);
    expect(requiredShards({ updatesPerSecond: 4_600, wcuPerUpdate: 2 })).toBe(19);
    expect(requiredShards({ updatesPerSecond: 600, wcuPerUpdate: 2, headroom: 1 })).toBe(2);
  });
});
