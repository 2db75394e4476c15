// The bundles' stand-in for mnemonist's LRUCache (functions/lib/lru-cache.ts) answers every operation the
// SDK's endpoint cache makes as mnemonist's does, over a long random sequence of them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import LRUCache from '#lib/lru-cache.ts';

// mnemonist is CommonJS (`module.exports = LRUCache`), which its types declare as a default export: typed here
// by the operations the test makes.
type Lru = new (capacity: number) => Pick<LRUCache<number, number>, 'set' | 'get' | 'peek' | 'has' | 'clear' | 'size'>;
const MnemonistLru = createRequire(import.meta.url)('mnemonist/lru-cache') as Lru;

describe('lru-cache (mnemonist stand-in)', () => {
  it('evicts the least recently used beyond capacity, get refreshing recency and peek not', () => {
    const cache = new LRUCache<string, number>(2);
    cache.set('a', 1).set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.peek('a')).toBe(1);
    cache.set('d', 4);
    expect([cache.has('a'), cache.has('c'), cache.has('d')]).toEqual([false, true, true]);
    expect(cache.size).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('answers as mnemonist over 20,000 random operations', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ours = new LRUCache<number, number>(8);
    const theirs = new MnemonistLru(8);
    for (let i = 0; i < 20_000; i++) {
      const key = Math.floor(random() * 20);
      const op = Math.floor(random() * 5);
      if (op === 0) {
        ours.set(key, i);
        theirs.set(key, i);
      } else if (op === 1) expect(ours.get(key)).toBe(theirs.get(key));
      else if (op === 2) expect(ours.peek(key)).toBe(theirs.peek(key));
      else if (op === 3) expect(ours.has(key)).toBe(theirs.has(key));
      else if (i % 997 === 0) {
        ours.clear();
        theirs.clear();
      }
      expect(ours.size).toBe(theirs.size);
    }
  });
});
