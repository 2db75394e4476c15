// mnemonist's LRUCache, as far as the SDK uses it (its DynamoDB endpoint-discovery cache: get, set, has,
// peek, clear, size), over a Map, whose insertion order is the recency order. mnemonist's version comes with
// typed-array pointers and obliterator's iterators (~7 KB minified in every bundle with a DynamoDB client);
// every bundle aliases `mnemonist/lru-cache` to this file (infra/function-bundle.ts), and
// tests/functions/lru-cache.test.ts runs it against mnemonist's on the same operations.

export default class LRUCache<K, V> {
  private readonly items = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new Error('LRUCache: capacity should be positive number.');
  }

  get size(): number {
    return this.items.size;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key) as V;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  /** The value without touching its recency. */
  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** Stores the value as the most recently used, evicting the least recently used beyond capacity. */
  set(key: K, value: V): this {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as K);
    return this;
  }

  clear(): void {
    this.items.clear();
  }
}
