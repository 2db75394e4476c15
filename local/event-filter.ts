// Lambda's event filtering for the local stream poller: a mapping's FilterCriteria (up to 5 patterns, as
// JSON strings in the template) decide which records reach the function; a record no pattern matches is
// dropped and counts as handled, as on AWS. The rules follow Lambda's "Control which events Lambda sends
// to your function" page: a pattern key that is an object descends into the record; one that is an array
// lists what the value may be (any of them), each a literal (string, number, null; "" matches the empty
// string) or a rule: prefix, suffix, equals-ignore-case, anything-but (a value, a list, or a prefix),
// numeric (=, <, <=, >, >= with up to two conditions), exists (true / false). "$or" takes a list of
// patterns of which one must match. A value in the record that is an array matches if any element does.
// Refuses (throws on) a pattern Lambda would refuse at deploy: not an object, or a leaf that is not a list.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type FilterPattern = { [k: string]: Json };
type Pattern = FilterPattern;

const MISSING = Symbol('missing');
type Value = Json | typeof MISSING;

export function parseFilterPattern(text: string): Pattern {
  const pattern = JSON.parse(text) as Json;
  check(pattern, '');
  return pattern as Pattern;
}

function check(pattern: Json, at: string): void {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) throw new Error(`filter pattern${at ? ` at ${at}` : ''}: must be an object`);
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) throw new Error(`filter pattern at ${at}$or: must list two or more patterns`);
      for (const p of sub) check(p, `${at}$or.`);
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) throw new Error(`filter pattern at ${at}${key}: must list at least one value`);
    } else check(sub, `${at}${key}.`);
  }
}

/** True when one of the patterns matches the record (no patterns: every record). */
export function matchesAny(patterns: readonly Pattern[], record: unknown): boolean {
  return patterns.length === 0 || patterns.some((p) => matches(p, record as Json));
}

export function matches(pattern: Pattern, value: Value): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Pattern[]).some((p) => matches(p, value))) return false;
      continue;
    }
    const field: Value = value !== MISSING && value !== null && typeof value === 'object' && !Array.isArray(value) && key in value ? (value[key] as Json) : MISSING;
    if (Array.isArray(sub)) {
      if (!leafMatches(sub, field)) return false;
    } else if (field === MISSING || field === null || typeof field !== 'object' || Array.isArray(field)) {
      // An object pattern over a missing or plain value matches only if everything under it may be absent.
      if (!matches(sub as Pattern, MISSING)) return false;
    } else if (!matches(sub as Pattern, field)) return false;
  }
  return true;
}

function leafMatches(rules: Json[], field: Value): boolean {
  const values: Value[] = Array.isArray(field) ? field : [field];
  return rules.some((rule) => {
    if (rule !== null && typeof rule === 'object' && !Array.isArray(rule) && 'exists' in rule) return rule.exists === (field !== MISSING);
    return values.some((v) => v !== MISSING && ruleMatches(rule, v));
  });
}

function ruleMatches(rule: Json, v: Json): boolean {
  if (rule === null || typeof rule !== 'object') return rule === v;
  if (Array.isArray(rule)) return false;
  if ('prefix' in rule) return typeof v === 'string' && typeof rule.prefix === 'string' && v.startsWith(rule.prefix);
  if ('suffix' in rule) return typeof v === 'string' && typeof rule.suffix === 'string' && v.endsWith(rule.suffix);
  if ('equals-ignore-case' in rule) return typeof v === 'string' && typeof rule['equals-ignore-case'] === 'string' && v.toLowerCase() === rule['equals-ignore-case'].toLowerCase();
  if ('anything-but' in rule) {
    const but = rule['anything-but'];
    if (but !== null && typeof but === 'object' && !Array.isArray(but)) return !ruleMatches(but, v);
    return !(Array.isArray(but) ? but : [but]).some((b) => b === v);
  }
  if ('numeric' in rule) return typeof v === 'number' && numericMatches(rule.numeric as Json[], v);
  throw new Error(`filter pattern: unknown rule ${JSON.stringify(rule)}`);
}

function numericMatches(conditions: Json[], v: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const n = conditions[i + 1] as number;
    const ok = op === '=' ? v === n : op === '<' ? v < n : op === '<=' ? v <= n : op === '>' ? v > n : op === '>=' ? v >= n : false;
    if (!ok) return false;
  }
  return true;
}
