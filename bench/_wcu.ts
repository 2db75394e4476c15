import { aggregationWriteUnits } from './reporting.ts';
for (const h of [0.3, 0.03]) console.log(h, await aggregationWriteUnits({ events: 1000, windowHours: h }));
