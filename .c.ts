import { costPer, typicalUsage } from './bench/cost.ts';
const u = typicalUsage({ typicalTransitions: 9, escalatedTransitions: 20, escalatedShare: 0.1 });
const c = costPer(u, 1_000_000);
for (const l of c.lines) console.log(l.usd.toFixed(1).padStart(8), l.item);
console.log(c.total.toFixed(0), JSON.stringify({ t: u.stateTransitions, e: u.sesEmailsSent, wru: u.writeRequestUnits, rru: u.readRequestUnits, api: u.apiRequests }));
