import { busiestPartitions } from './partitions.ts';
const t0 = performance.now();
const r = await busiestPartitions({ sample: 60 });
console.table(r.loads.slice(0, 25).map((l) => ({ shape: l.shape, writers: l.writers, perCase: +l.wcuPerCase.toFixed(2), '10x': Math.round(l.atRate['10×']), '100x': Math.round(l.atRate['100×']) })));
console.log(r.writes, 'writes', Math.round(performance.now() - t0), 'ms');
