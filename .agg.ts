import { aggregationThroughput } from './bench/reporting.ts';
const r = await aggregationThroughput({ events: 3000, repeats: 1 });
console.log(JSON.stringify(r));
process.exit(0);
