import { benchCloud } from './bench/local-cloud.ts';
import { floorOp, intakeOp, run } from './bench/intake.ts';
const { cloud } = await benchCloud();
await run(200, 1, intakeOp(cloud, 'warm'));
await run(200, 1, floorOp(cloud, 'warm', { count: 0 }));
await cloud.settle();
const health = await run(300, 1, async () => { const r = await fetch(cloud.urls.health); await r.arrayBuffer(); });
console.log('health p50', health.p50.toFixed(2));
const bad = await run(300, 1, async () => { const r = await fetch(`${cloud.urls.api}/inquiries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }); await r.arrayBuffer(); });
console.log('400 p50', bad.p50.toFixed(2));
for (let r = 0; r < 2; r++) {
  const a = await run(300, 1, intakeOp(cloud, `i${r}`));
  const b = await run(300, 1, floorOp(cloud, `f${r}`, { count: 0 }));
  console.log('with consumers: intake', a.p50.toFixed(2), 'floor', b.p50.toFixed(2), 'ratio', (a.perSecond / b.perSecond).toFixed(2));
  await cloud.settle();
}
await cloud.stop();
process.exit(0);
