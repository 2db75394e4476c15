// Triage policy: the zod schema for config/triage-policy.json, its parser, and the
// compiled (per policy object, cached) keyword matcher shared by classify/risk/priority.
// Pure: no AWS, no I/O.

import * as z from 'zod/mini';
import { CATEGORIES, PRIORITIES, VALUE_TIERS, type Category } from '../case.ts';
import '../zod-english.ts';

// ---------------------------------------------------------------------------
// Text normalisation (applied identically to policy phrases and to inquiry text)
// ---------------------------------------------------------------------------

/** The token that stands for a clause break (sentence punctuation) in normalised text. */
export const CLAUSE_BREAK = '.';

// Character classes for the tokenizer. BMP code units are classified once (lazily) into a
// 64 KiB table; astral code points (mostly emoji) are classified on each occurrence.
const UNKNOWN = 0;
const GAP = 1; // whitespace, hyphens, slashes, symbols, emoji...: ends a word
const WORD = 2; // \p{L} or \p{N}: part of a word
const SKIP = 3; // combining marks (accents after NFKD) and apostrophes: dropped, the word goes on
const BREAK = 4; // clause punctuation: ends a word, and a phrase never matches across it

const APOSTROPHE = /^['\u2018\u2019\u02BC`\u00B4]$/u;
const MARK = /^\p{M}$/u;
const CLAUSE_PUNCTUATION = /^[.!?;:,()[\]{}"\u201C\u201D\u00AB\u00BB\u2026\u3001\u3002\uFF01\uFF1F]$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const NON_ASCII = /[^\x00-\x7f]/;

function classifyChar(ch: string): number {
  if (APOSTROPHE.test(ch) || MARK.test(ch)) return SKIP; // before letters: U+02BC is a letter
  if (CLAUSE_PUNCTUATION.test(ch)) return BREAK;
  return LETTER_OR_DIGIT.test(ch) ? WORD : GAP;
}

const BMP_CLASS = new Uint8Array(0x10000);
for (let c = 0; c < 0x80; c++) BMP_CLASS[c] = classifyChar(String.fromCharCode(c));

/**
 * Split text into normalised words: NFKD with accents (combining marks) stripped, lower-case,
 * apostrophes dropped ("didn't" = "didnt"), any run of other non-letters/digits a word gap, and
 * each run of clause punctuation (. , ; : ! ? quotes brackets) a single CLAUSE_BREAK token.
 * One pass over the string, no regex per character except the first sight of a non-ASCII one.
 */
export function tokenize(text: string): string[] {
  const s = (NON_ASCII.test(text) ? text.normalize('NFKD') : text).toLowerCase();
  const tokens: string[] = [];
  let word = ''; // finished pieces of the current word (split by skipped characters)
  let pieceStart = -1; // start of the current run of word characters, or -1
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    let kind: number;
    let width = 1;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const point = s.codePointAt(i)!;
      width = point > 0xffff ? 2 : 1;
      kind = classifyChar(String.fromCodePoint(point));
    } else {
      kind = BMP_CLASS[code]!;
      if (kind === UNKNOWN) {
        kind = classifyChar(s[i]!);
        BMP_CLASS[code] = kind;
      }
    }
    if (kind === WORD) {
      if (pieceStart < 0) pieceStart = i;
    } else {
      if (pieceStart >= 0) {
        word += s.slice(pieceStart, i);
        pieceStart = -1;
      }
      if (kind !== SKIP) {
        if (word !== '') {
          tokens.push(word);
          word = '';
        }
        if (kind === BREAK && tokens.length > 0 && tokens[tokens.length - 1] !== CLAUSE_BREAK) tokens.push(CLAUSE_BREAK);
      }
    }
    i += width - 1;
  }
  if (pieceStart >= 0) word += s.slice(pieceStart);
  if (word !== '') tokens.push(word);
  return tokens;
}

/** The normalised form of a text: its tokens (see tokenize) joined by single spaces. */
export function normalizeText(text: string): string {
  return tokenize(text).join(' ');
}

function phraseTokens(phrase: string): string[] {
  return tokenize(phrase);
}

/** How a phrase is reported back (matchedKeywords, factor details): as written, lower-case, single-spaced. */
function phraseLabel(phrase: string): string {
  return phrase.trim().toLowerCase().replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------

const Phrase = z.string().check(
  z.trim(),
  z.minLength(1),
  z.refine(
    (p) => {
      const tokens = phraseTokens(p);
      return tokens.length > 0 && !tokens.includes(CLAUSE_BREAK);
    },
    { message: 'keyword must contain letters or digits and no sentence punctuation (. , ; : ! ? quotes brackets)' },
  ),
);

const Points = z.int().check(z.gte(0), z.lte(100));
const ScoreThreshold = z.int().check(z.gte(1), z.lte(100));
const CategoryEnum = z.enum(CATEGORIES);
const PriorityEnum = z.enum(PRIORITIES);

const SafetyGroupSchema = z.strictObject({
  /** Any of these in subject or message makes the inquiry safety-critical (always P1). */
  phrases: z.array(Phrase).check(z.minLength(1)),
  /** A match is ignored when it is part of one of these longer phrases ("minor issue"). */
  exceptWhenPartOf: z._default(z.array(Phrase), []),
});

const TriagePolicyObject = z.strictObject({
  version: z.literal(1),
  description: z.optional(z.string()),
  categories: z.strictObject({
    /** Tie-break order for text classification: earlier wins. Must list every category once. */
    precedence: z.array(CategoryEnum),
    keywords: z.record(CategoryEnum, z.array(Phrase)),
    basePoints: z.record(CategoryEnum, Points),
  }),
  suspiciousKeywords: z.strictObject({
    /** Cap on the summed points of all suspicious keywords found in one inquiry. */
    maxPoints: Points,
    points: z.record(Phrase, Points),
  }),
  safetyCritical: z.strictObject({
    minors: SafetyGroupSchema,
    selfHarm: SafetyGroupSchema,
  }),
  amount: z.strictObject({
    /** Ascending by minUsd; the highest band with minUsd <= amount in USD applies. */
    bandsUsd: z.array(z.strictObject({ minUsd: z.number().check(z.gte(0)), points: Points })).check(z.minLength(1)),
  }),
  fx: z.strictObject({
    asOf: z.iso.date(),
    /** 1 unit of the currency = this many USD. */
    toUsd: z.record(
      z.string().check(z.regex(/^[A-Z]{3}$/, 'currency must be an upper-case ISO 4217 code')),
      z.number().check(z.positive()),
    ),
  }),
  customerValue: z.strictObject({
    tierPoints: z.record(z.enum(VALUE_TIERS), Points),
    /** Users at or above this lifetime spend get at least these points, whatever their tier. */
    highSpend: z.strictObject({ lifetimeSpendUsd: z.number().check(z.positive()), points: Points }),
  }),
  repeatComplaints: z.strictObject({
    windowDays: z.int().check(z.gte(1), z.lte(365)),
    pointsPerComplaint: Points,
    maxPoints: Points,
  }),
  priority: z.strictObject({
    /** Score >= P1 -> P1, >= P2 -> P2, >= P3 -> P3, else P4. */
    thresholds: z.strictObject({ P1: ScoreThreshold, P2: ScoreThreshold, P3: ScoreThreshold }),
    /** Category floor: the priority is never less urgent than this. */
    categoryMinimum: z.partialRecord(CategoryEnum, PriorityEnum),
  }),
});

function containsTokens(haystack: readonly string[], needle: readonly string[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

export const TriagePolicySchema = TriagePolicyObject.check(z.superRefine((p, ctx) => {
  // precedence is a permutation of CATEGORIES
  const seen = new Set<Category>();
  p.categories.precedence.forEach((c, i) => {
    if (seen.has(c)) {
      ctx.addIssue({ code: 'custom', path: ['categories', 'precedence', i], message: `"${c}" is listed twice` });
    }
    seen.add(c);
  });
  const missing = CATEGORIES.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['categories', 'precedence'],
      message: `must list every category once; missing: ${missing.join(', ')}`,
    });
  }

  // amount bands strictly ascending
  p.amount.bandsUsd.forEach((band, i) => {
    const prev = p.amount.bandsUsd[i - 1];
    if (prev !== undefined && band.minUsd <= prev.minUsd) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount', 'bandsUsd', i, 'minUsd'],
        message: `bands must be in strictly ascending minUsd order (${band.minUsd} <= ${prev.minUsd})`,
      });
    }
  });

  if (p.fx.toUsd['USD'] !== 1) {
    ctx.addIssue({ code: 'custom', path: ['fx', 'toUsd', 'USD'], message: 'USD must be present with rate 1' });
  }

  const t = p.priority.thresholds;
  if (!(t.P2 < t.P1)) {
    ctx.addIssue({ code: 'custom', path: ['priority', 'thresholds', 'P2'], message: `must be below P1 (${t.P1}), got ${t.P2}` });
  }
  if (!(t.P3 < t.P2)) {
    ctx.addIssue({ code: 'custom', path: ['priority', 'thresholds', 'P3'], message: `must be below P2 (${t.P2}), got ${t.P3}` });
  }

  // suspicious keywords that normalise to the same words would be counted twice
  const normalisedSuspicious = new Map<string, string>();
  for (const phrase of Object.keys(p.suspiciousKeywords.points)) {
    const key = normalizeText(phrase);
    const earlier = normalisedSuspicious.get(key);
    if (earlier !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['suspiciousKeywords', 'points', phrase],
        message: `duplicates "${earlier}" once normalised (case, accents, apostrophes, hyphens are ignored)`,
      });
    } else {
      normalisedSuspicious.set(key, phrase);
    }
  }

  // every exception must actually contain one of its group's phrases
  for (const group of ['minors', 'selfHarm'] as const) {
    const g = p.safetyCritical[group];
    const phrases = g.phrases.map(phraseTokens);
    g.exceptWhenPartOf.forEach((except, i) => {
      const tokens = phraseTokens(except);
      if (!phrases.some((ph) => containsTokens(tokens, ph))) {
        ctx.addIssue({
          code: 'custom',
          path: ['safetyCritical', group, 'exceptWhenPartOf', i],
          message: `"${except}" contains none of the ${group} phrases, so it would never apply`,
        });
      }
    });
  }
}));

export type TriagePolicy = z.infer<typeof TriagePolicySchema>;
export type SafetyGroup = keyof TriagePolicy['safetyCritical'];

// ---------------------------------------------------------------------------
// Parsing with readable errors
// ---------------------------------------------------------------------------

export interface PolicyProblem {
  path: string;
  message: string;
}

export class TriagePolicyError extends Error {
  override readonly name = 'TriagePolicyError';
  constructor(readonly problems: readonly PolicyProblem[]) {
    super(
      `Invalid triage policy (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** ['categories', 'keywords', 'refund', 3] -> categories.keywords.refund[3]; odd keys are quoted. */
export function formatPolicyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      out += IDENTIFIER.test(key) ? (out === '' ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? '(root)' : out;
}

function toProblems(issues: readonly z.core.$ZodIssue[]): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: formatPolicyPath([...issue.path, key]), message: 'unknown field (typo?)' });
      }
    } else if (issue.code === 'invalid_key') {
      const inner = issue.issues.map((i) => i.message).join('; ');
      problems.push({ path: formatPolicyPath(issue.path), message: `invalid key: ${inner}` });
    } else {
      problems.push({ path: formatPolicyPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Validate a policy document (e.g. the parsed config/triage-policy.json).
 * Throws TriagePolicyError whose message lists every problem with its path.
 * The returned policy is deep-frozen: compiled matchers are cached per policy object.
 */
export function parseTriagePolicy(json: unknown): TriagePolicy {
  const result = TriagePolicySchema.safeParse(json);
  if (!result.success) throw new TriagePolicyError(toProblems(result.error.issues));
  return deepFreeze(result.data);
}

// ---------------------------------------------------------------------------
// Compiled matcher (built once per policy object)
// ---------------------------------------------------------------------------

type Role =
  | { readonly kind: 'category'; readonly category: Category; readonly label: string }
  | { readonly kind: 'suspicious'; readonly points: number; readonly label: string }
  | { readonly kind: 'safety'; readonly group: SafetyGroup; readonly label: string }
  | { readonly kind: 'except'; readonly group: SafetyGroup };

interface TrieNode {
  readonly next: Map<string, TrieNode>;
  roles: Role[] | undefined;
}

export interface CompiledPolicy {
  readonly root: TrieNode;
}

const compiledCache = new WeakMap<TriagePolicy, CompiledPolicy>();

function sameRole(a: Role, b: Role): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'category':
      return a.category === (b as typeof a).category;
    case 'suspicious':
      return true;
    case 'safety':
    case 'except':
      return a.group === (b as typeof a).group;
  }
}

function addPhrase(root: TrieNode, phrase: string, role: Role): void {
  let node = root;
  for (const token of phraseTokens(phrase)) {
    let child = node.next.get(token);
    if (child === undefined) {
      child = { next: new Map(), roles: undefined };
      node.next.set(token, child);
    }
    node = child;
  }
  if (node === root) return; // nothing matchable (the schema rejects this)
  node.roles ??= [];
  // Phrases that normalise to the same words count once per role (first one wins).
  if (!node.roles.some((r) => sameRole(r, role))) node.roles.push(role);
}

/** Build (or fetch from the per-policy cache) the keyword matcher for a policy. */
export function compilePolicy(policy: TriagePolicy): CompiledPolicy {
  const cached = compiledCache.get(policy);
  if (cached !== undefined) return cached;

  const root: TrieNode = { next: new Map(), roles: undefined };
  for (const category of CATEGORIES) {
    for (const phrase of policy.categories.keywords[category]) {
      addPhrase(root, phrase, { kind: 'category', category, label: phraseLabel(phrase) });
    }
  }
  for (const [phrase, points] of Object.entries(policy.suspiciousKeywords.points)) {
    addPhrase(root, phrase, { kind: 'suspicious', points, label: phraseLabel(phrase) });
  }
  for (const group of ['minors', 'selfHarm'] as const) {
    for (const phrase of policy.safetyCritical[group].phrases) {
      addPhrase(root, phrase, { kind: 'safety', group, label: phraseLabel(phrase) });
    }
    for (const phrase of policy.safetyCritical[group].exceptWhenPartOf) {
      addPhrase(root, phrase, { kind: 'except', group });
    }
  }

  const compiled: CompiledPolicy = { root };
  compiledCache.set(policy, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------
// Scanning an inquiry's text (once per call)
// ---------------------------------------------------------------------------

export interface SuspiciousHit {
  keyword: string;
  points: number;
}

export interface SafetyHit {
  group: SafetyGroup;
  keyword: string;
}

/** Everything the policy's keyword lists found in subject + message. Keywords are distinct, in order of first occurrence. */
export interface TextScan {
  categoryKeywords: Record<Category, string[]>;
  suspicious: SuspiciousHit[];
  safety: SafetyHit[];
}

interface Span {
  start: number;
  end: number;
}

function scanTokens(tokens: readonly string[], root: TrieNode, out: TextScan, seen: Set<Role>): void {
  let exceptSpans: Array<Span & { group: SafetyGroup }> | undefined;
  let safetyCandidates: Array<Span & { role: Role & { kind: 'safety' } }> | undefined;

  for (let i = 0; i < tokens.length; i++) {
    let node = root.next.get(tokens[i]!);
    let j = i;
    while (node !== undefined) {
      if (node.roles !== undefined) {
        for (const role of node.roles) {
          if (role.kind === 'except') {
            (exceptSpans ??= []).push({ start: i, end: j + 1, group: role.group });
          } else if (role.kind === 'safety') {
            (safetyCandidates ??= []).push({ start: i, end: j + 1, role });
          } else if (!seen.has(role)) {
            seen.add(role);
            if (role.kind === 'category') out.categoryKeywords[role.category].push(role.label);
            else out.suspicious.push({ keyword: role.label, points: role.points });
          }
        }
      }
      j++;
      if (j >= tokens.length) break;
      node = node.next.get(tokens[j]!);
    }
  }

  if (safetyCandidates === undefined) return;
  for (const { start, end, role } of safetyCandidates) {
    if (seen.has(role)) continue;
    const excepted = exceptSpans?.some((s) => s.group === role.group && s.start <= start && end <= s.end) ?? false;
    if (excepted) continue;
    seen.add(role);
    out.safety.push({ group: role.group, keyword: role.label });
  }
}

function emptyCategoryKeywords(): Record<Category, string[]> {
  return {
    payment_dispute: [],
    unauthorized_charge: [],
    refund: [],
    gifts_coins: [],
    payout: [],
    account_access: [],
    fraud_scam: [],
    safety: [],
    other: [],
  };
}

/**
 * Normalise subject and message once and find every policy keyword in them.
 * Subject and message are scanned separately so no phrase spans the two.
 */
export function scanText(subject: string, message: string, policy: TriagePolicy): TextScan {
  const { root } = compilePolicy(policy);
  const out: TextScan = { categoryKeywords: emptyCategoryKeywords(), suspicious: [], safety: [] };
  const seen = new Set<Role>();
  scanTokens(tokenize(subject), root, out, seen);
  scanTokens(tokenize(message), root, out, seen);
  return out;
}
