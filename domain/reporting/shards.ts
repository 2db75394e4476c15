// Spreading a hot aggregate key over several items.
//
// The numbers. DynamoDB gives one partition at most 1,000 WCU/s, and one item lives in one partition.
// A write costs 1 WCU per started KB of the larger of the item before and after: an aggregate item
// holds ~45 counters (~1.2 KB), so ~2 WCU per update.
//   - Expected peak: 50,000 inquiries a day ≈ 2,100 an hour; a surge of 10× for one hour ≈ 21,000
//     an hour ≈ 5.8 new cases/s.
//   - A case produces ~8 counted events in its life (open, first response, request-info, requester
//     reply, warning, resolve, close, escalation steps). Counting them all in the surge hour as an
//     upper bound: ≈ 46 events/s, each one update of its day item and one of its hour item.
//   - Worst case, every event has the same category, priority and channel (a surge of one kind):
//     ≈ 46 updates/s × 2 WCU ≈ 92 WCU/s on one item — under 10% of a partition, before the consumer
//     coalesces a batch into one update per key (which divides it by the batch's events per key).
// So one item per key (shards = 1) holds at 10× the peak; a single item reaches the partition limit
// at ≈ 500 updates/s (~100× the peak). Beyond that, set policy.shards = requiredShards(...): each event
// goes to shard shardFor(key, eventId, n) of its key (stable, so a redelivered event lands on the same
// item), the consumer coalesces by (key, shard), and the report sums the shards of a key (it sums all
// rows anyway). Reads grow with n: keep it as small as the numbers allow.

/** A stable identity for a key object: same fields and values → same string, whatever the field order. */
export function keyId(key: object): string {
  return JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** 32-bit FNV-1a over the UTF-16 code units, then a final avalanche so that close inputs spread. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard (0 … shards − 1) of one event's update of one key. Same inputs → same shard, on any machine. */
export function shardFor(key: object | string, eventId: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  if (shards === 1) return 0;
  return hash32(`${typeof key === 'string' ? key : keyId(key)}|${eventId}`) % shards;
}

export interface WriteLoad {
  /** Updates per second one aggregate key receives at the peak you plan for. */
  updatesPerSecond: number;
  /** WCU one update costs (item size in KB, rounded up). */
  wcuPerUpdate: number;
  /** Per-partition write limit. */
  partitionWcu?: number;
  /** The share of the partition limit one key may use. */
  headroom?: number;
}

/** Items one key needs so that none of them uses more than `headroom` of a partition's writes. */
export function requiredShards({ updatesPerSecond, wcuPerUpdate, partitionWcu = 1000, headroom = 0.5 }: WriteLoad): number {
  return Math.max(1, Math.ceil((updatesPerSecond * wcuPerUpdate) / (partitionWcu * headroom)));
}
