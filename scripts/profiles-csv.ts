// Profiles CSV (ops export): userId,tier,lifetimeSpend and an optional email column — validated row by row,
// every problem reported. The email (stored lower case) is how evidence finds the account of a requester who
// wrote by mail without naming it (the profiles table's byEmail index).
import { VALUE_TIERS, type UserProfile, type ValueTier } from '#domain/case.ts';

export interface CsvProblem {
  line: number;
  message: string;
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const EMAIL = /^[^\s@,;<>"]{1,64}@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;

/** Split one CSV line (RFC 4180 quotes). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((v) => v.trim());
}

export function parseProfilesCsv(text: string): { profiles: UserProfile[]; problems: CsvProblem[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = cells(lines[0] ?? '').map((h) => h.toLowerCase());
  const col = { userId: header.indexOf('userid'), tier: header.indexOf('tier'), spend: header.indexOf('lifetimespend'), email: header.indexOf('email') };
  const problems: CsvProblem[] = [];
  if (col.userId < 0 || col.tier < 0 || col.spend < 0) {
    return { profiles: [], problems: [{ line: 1, message: 'header must name the columns userId, tier, lifetimeSpend' }] };
  }
  const byUser = new Map<string, UserProfile>();
  lines.slice(1).forEach((raw, index) => {
    const line = index + 2;
    if (raw.trim() === '') return;
    const row = cells(raw);
    const userId = row[col.userId] ?? '';
    const tier = (row[col.tier] ?? '').toLowerCase();
    const spendText = row[col.spend] ?? '';
    const spend = Number(spendText);
    const email = col.email < 0 ? '' : (row[col.email] ?? '').toLowerCase();
    const rowProblems: string[] = [];
    if (email !== '' && !EMAIL.test(email)) rowProblems.push('email must be an address like name@example.com (or empty)');
    if (!USER_ID.test(userId)) rowProblems.push('userId must be 1–64 letters, digits or . _ : -');
    if (!(VALUE_TIERS as readonly string[]).includes(tier)) rowProblems.push(`tier must be one of ${VALUE_TIERS.join(', ')}`);
    if (!/^\d+(\.\d{1,2})?$/.test(spendText) || !Number.isFinite(spend)) rowProblems.push('lifetimeSpend must be a non-negative amount in USD');
    if (byUser.has(userId)) rowProblems.push(`userId ${userId} appears twice`);
    if (rowProblems.length > 0) {
      problems.push(...rowProblems.map((message) => ({ line, message })));
      return;
    }
    byUser.set(userId, { userId, tier: tier as ValueTier, lifetimeSpend: spend, ...(email !== '' && { email }) });
  });
  return { profiles: [...byUser.values()], problems };
}
