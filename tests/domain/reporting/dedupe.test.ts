// Exactly-once counting over redelivered stream batches, and hot-key sharding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AggregateKey } from '../../../domain/reporting/aggregate.ts';
import { bisectEnds, comparePositions, eventId, inShardOrder, isCounted, marksOfRun, rangesFound, remarks, uncounted, type CountedRange } from '../../../domain/reporting/dedupe.ts';
import { requiredShards, shardFor } from '../../../domain/reporting/shards.ts';

const e = (caseId: string, version: number) => ({ caseId, version, type: 'x' });
const at = (position: number, caseId: string, version: number) => ({ event: e(caseId, version), position: String(position) });

describe('comparePositions', () => {
  it('orders sequence numbers as numbers, whatever their length', () => {
    expect(comparePositions('9', '10')).toBeLessThan(0);
    expect(comparePositions('000120', '120')).toBe(0);
    expect(comparePositions('4421584500000000017450439091', '4421584500000000017450439090')).toBeGreaterThan(0);
  });
});

describe('inShardOrder and uncounted', () => {
  it('puts a batch in shard order, each event once, and leaves out what a found range holds', () => {
    const batch = [at(12, 'a', 2), at(3, 'b', 1), at(12, 'a', 2), at(30, 'c', 1), at(7, 'a', 1)];
    const ordered = inShardOrder(batch);
    expect(ordered.map((p) => p.position)).toEqual(['3', '7', '12', '30']);
    expect(uncounted(ordered, [{ first: '1', last: '7' }]).map((p) => p.position)).toEqual(['12', '30']);
    expect(isCounted('12', [{ first: '8', last: '12' }])).toBe(true);
    expect(isCounted('13', [{ first: '8', last: '12' }])).toBe(false);
  });
});

describe('marksOfRun and remarks', () => {
  it('marks a run on its first and last record with its range (one mark for a run of one)', () => {
    expect(marksOfRun([at(5, 'a', 1), at(6, 'b', 1), at(9, 'a', 2)])).toEqual([
      { eventId: 'a#1', ranges: [{ first: '5', last: '9' }] },
      { eventId: 'a#2', ranges: [{ first: '5', last: '9' }] },
    ]);
    expect(marksOfRun([at(5, 'a', 1)])).toEqual([{ eventId: 'a#1', ranges: [{ first: '5', last: '5' }] }]);
  });

  it("gives the bisect ends of Lambda's split: first, mid − 1, mid, last", () => {
    expect(bisectEnds(100)).toEqual([0, 49, 50, 99]);
    expect(bisectEnds(5)).toEqual([0, 2, 3, 4]);
    expect(bisectEnds(2)).toEqual([0, 1]);
    expect(bisectEnds(1)).toEqual([0]);
  });

  it('re-marks only a redelivered batch, on its counted bisect ends, and not twice', () => {
    const batch = inShardOrder([1, 2, 3, 4, 5, 6, 7, 8].map((n) => at(n, `c${n}`, 1)));
    expect(remarks(batch, new Map())).toEqual([]);
    // Records 1..6 were counted in a run marked on 1 and 6.
    const found = new Map([
      ['c1#1', [{ first: '1', last: '6' }]],
      ['c6#1', [{ first: '1', last: '6' }]],
    ]);
    const again = remarks(batch, found);
    // Bisect ends 1, 4, 5, 8: 1 already holds the range, 8 is not counted.
    expect(again).toEqual([
      { eventId: 'c4#1', ranges: [{ first: '1', last: '6' }] },
      { eventId: 'c5#1', ranges: [{ first: '1', last: '6' }] },
    ]);
    expect(remarks(batch, new Map([...found, ...again.map((m) => [m.eventId, m.ranges] as const)]))).toEqual([]);
  });

  it('gives an event id of case and version', () => {
    expect(eventId(e('case-1', 7))).toBe('case-1#7');
  });

  it('with any schedule of failures, bisects and redrives, every record is counted exactly once', () => {
    // A shard of records; deliveries as Lambda makes them: a batch, which may die after some of its runs
    // (then it is bisected), or succeed and still be delivered again (a lost answer, then bisected too);
    // then redrives of pieces it delivered.
    type Rec = { event: ReturnType<typeof e>; position: string };
    const arb = fc.record({
      size: fc.integer({ min: 1, max: 60 }),
      batch: fc.integer({ min: 1, max: 25 }),
      run: fc.integer({ min: 1, max: 7 }),
      faults: fc.array(fc.nat(9), { minLength: 1, maxLength: 200 }),
      redrives: fc.array(fc.nat(), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(arb, ({ size, batch, run, faults, redrives }) => {
        const shard: Rec[] = Array.from({ length: size }, (_, i) => at((i + 1) * 3, `c${i % 4}`, Math.floor(i / 4) + 1));
        const marks = new Map<string, CountedRange[]>();
        const counted = new Map<string, number>();
        let f = 0;
        const fault = () => faults[f++ % faults.length]!;
        // One invocation: reads marks, re-marks, counts runs of `run` records; may die after k runs.
        const invoke = (piece: Rec[], dieAfter: number | undefined) => {
          const ordered = inShardOrder(piece);
          const found = new Map([...marks].filter(([id]) => ordered.some((p) => eventId(p.event) === id)));
          for (const m of remarks(ordered, found)) marks.set(m.eventId, m.ranges);
          const fresh = uncounted(ordered, rangesFound(found));
          for (let i = 0, k = 0; i < fresh.length; i += run, k++) {
            if (dieAfter !== undefined && k >= dieAfter) return false;
            const r = fresh.slice(i, i + run);
            for (const p of r) counted.set(eventId(p.event), (counted.get(eventId(p.event)) ?? 0) + 1);
            for (const m of marksOfRun(r)) marks.set(m.eventId, m.ranges);
          }
          return dieAfter === undefined;
        };
        const delivered: Rec[][] = [];
        const deliver = (piece: Rec[]): void => {
          delivered.push(piece);
          const roll = fault();
          const ok = invoke(piece, roll < 3 ? roll : undefined);
          const lost = ok && roll >= 7; // handled, but the answer was lost: the mapping treats it as failed
          if ((ok && !lost) || piece.length === 1) {
            if (!ok || lost) invoke(piece, undefined); // a single record is retried until it goes through
            return;
          }
          const mid = Math.ceil(piece.length / 2);
          deliver(piece.slice(0, mid));
          deliver(piece.slice(mid));
        };
        for (let i = 0; i < shard.length; i += batch) deliver(shard.slice(i, i + batch));
        // Redrives of pieces the mapping delivered (a parked one, a whole batch), in any order, later.
        for (const r of redrives) invoke(delivered[r % delivered.length]!, undefined);
        expect([...counted.values()].every((n) => n === 1)).toBe(true);
        expect(counted.size).toBe(size);
      }),
      { numRuns: 300 },
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
