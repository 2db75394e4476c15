import { benchCloud } from './bench/local-cloud.ts';
import { floorOp, intakeOp, run } from './bench/intake.ts';
const { cloud } = await benchCloud();
await run(200, 1, intakeOp(cloud, 'warm'));
await run(200, 1, floorOp(cloud, 'warm', { count: 0 }));
for (let r = 0; r < 2; r++) {
  const a = await run(300, 1, intakeOp(cloud, `i${r}`));
  await cloud.settle();
  const b = await run(300, 1, floorOp(cloud, `f${r}`, { count: 0 }));
  await cloud.settle();
  console.log('intake', a.perSecond.toFixed(1), a.p50.toFixed(2), 'floor', b.perSecond.toFixed(1), b.p50.toFixed(2), 'ratio', (a.perSecond / b.perSecond).toFixed(2));
}
await cloud.stop();
process.exit(0);
