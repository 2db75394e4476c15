// Card numbers, card security codes and US social security numbers masked out of what people write, before
// anything is stored, logged or emailed. Pure. A card number is a run of 13–19 digits, contiguous or in the
// groups people type (4-4-4-4, 4-4-4-4-3, 4-4-4-1…4, Amex 4-6-5, Diners 4-6-4; spaces, dashes or a line
// break between groups, or a number wrapped across lines), that passes the Luhn check; requiring a card's
// grouping is what keeps dates, phone numbers and lists of order ids that happen to pass Luhn readable.
// The result says how many of each kind were masked, never what they were.

export const CARD_MASK = '•••• •••• •••• ';
export const SECURITY_CODE_MASK = '•••';
export const SSN_MASK = '•••-••-••••';

export interface MaskCounts {
  cardNumbers: number;
  securityCodes: number;
  ssns: number;
}

export const NO_MASKS: MaskCounts = { cardNumbers: 0, securityCodes: 0, ssns: 0 };

export interface Masked {
  text: string;
  counts: MaskCounts;
}

/**
 * Digit groups joined by one space, dash or no-break space, or by a line break (with the indentation or
 * `>` quoting around it); not glued to a letter, digit or underscore on either side.
 */
const DIGIT_RUN = /(?<![\p{L}\p{N}_])\d+(?:(?:[ \u00a0-]|[ \t]*\r?\n[ \t>]*)\d+)*(?![\p{L}\p{N}_])/gu;
const LINE_BREAK = /\n/;
const MIN_CARD = 13;
const MAX_CARD = 19;

/** `ddd-dd-dddd`, without the numbers the SSA never issues (area 000, 666, 9xx; group 00; serial 0000). */
const SSN = /(?<![\p{L}\p{N}_-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\p{L}\p{N}_]|-\d)/gu;

const CODE_LABEL = String.raw`(?:cvv2?|cvc2?|security[ \t]+code|card[ \t]+verification(?:[ \t]+(?:value|code))?)`;
/** "CVV: 123", "security code is 1234", "CVV/CVC 123": the label, a few non-digits on the same line, the code. */
const CODE_AFTER_LABEL = new RegExp(String.raw`(\b${CODE_LABEL}\b[^\d\n]{0,20}?)(?<!\d)\d{3,4}(?![\p{L}\p{N}_])`, 'giu');
/** "123 (CVV)", "123 is the cvc": a code right before its label, not the kept last four of a masked card. */
const CODE_BEFORE_LABEL = new RegExp(String.raw`(?<![\p{L}\p{N}_])(?<!•[ \t-]?)\d{3,4}(?=[ \t]*(?:\(|is[ \t]+(?:the|my)[ \t]+|=|:)?[ \t]*${CODE_LABEL}\b)`, 'giu');

export function maskCardData(text: string): Masked {
  let cardNumbers = 0;
  let securityCodes = 0;
  let ssns = 0;
  let out = text.replace(DIGIT_RUN, (run) => {
    const masked = maskCardsInRun(run);
    cardNumbers += masked.count;
    return masked.text;
  });
  out = out.replace(SSN, () => {
    ssns++;
    return SSN_MASK;
  });
  out = out.replace(CODE_AFTER_LABEL, (_code, label: string) => {
    securityCodes++;
    return `${label}${SECURITY_CODE_MASK}`;
  });
  out = out.replace(CODE_BEFORE_LABEL, () => {
    securityCodes++;
    return SECURITY_CODE_MASK;
  });
  return { text: out, counts: { cardNumbers, securityCodes, ssns } };
}

/** True when the text holds anything `maskCardData` would mask (an attachment's text part, say). */
export const containsCardData = (text: string): boolean => anyMasked(maskCardData(text).counts);

/** Types whose bytes are text a person wrote or exported (a .txt, .csv, .html, .json, .eml…). */
const TEXT_TYPES = /^(text\/|message\/|application\/(json|xml|csv|x-csv|rtf)\b)|\+(json|xml)\b/i;

/**
 * An attachment's text part holds card data. Attachments are kept as sent (they are evidence), so this flags
 * them ("may contain card data") instead of rewriting them; binary files are not read.
 */
export function attachmentMayContainCardData(contentType: string, content: Uint8Array): boolean {
  return TEXT_TYPES.test(contentType) && containsCardData(new TextDecoder().decode(content));
}

export const anyMasked = (c: MaskCounts): boolean => c.cardNumbers + c.securityCodes + c.ssns > 0;

export const addCounts = (a: MaskCounts, b: MaskCounts): MaskCounts => ({
  cardNumbers: a.cardNumbers + b.cardNumbers,
  securityCodes: a.securityCodes + b.securityCodes,
  ssns: a.ssns + b.ssns,
});

/**
 * Every string field of a flat record masked (an agent action's message, note, reason, summary…), with the
 * total counts. Fields that are not strings pass through.
 */
export function maskStringFields<T extends object>(fields: T): { value: T; counts: MaskCounts } {
  let counts = NO_MASKS;
  const value = { ...fields } as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') continue;
    const masked = maskCardData(v);
    value[key] = masked.text;
    counts = addCounts(counts, masked.counts);
  }
  return { value: value as T, counts };
}

interface Group {
  digits: string;
  start: number;
  end: number;
  /** The separator before this group ('' for the first). */
  before: string;
}

/** Masks the card numbers among one run's digit groups, left to right, longest first. */
function maskCardsInRun(run: string): { text: string; count: number } {
  const groups: Group[] = [];
  for (const m of run.matchAll(/\d+/g)) {
    const start = m.index;
    const previous = groups.at(-1);
    groups.push({ digits: m[0], start, end: start + m[0].length, before: previous ? run.slice(previous.end, start) : '' });
  }
  let text = '';
  let copied = 0;
  let count = 0;
  for (let i = 0; i < groups.length; ) {
    const j = longestCardFrom(groups, i);
    if (j < 0) {
      i++;
      continue;
    }
    const digits = groups.slice(i, j + 1).map((g) => g.digits).join('');
    text += `${run.slice(copied, groups[i]!.start)}${CARD_MASK}${digits.slice(-4)}`;
    copied = groups[j]!.end;
    count++;
    i = j + 1;
  }
  return { text: text + run.slice(copied), count };
}

function longestCardFrom(groups: Group[], i: number): number {
  for (let j = groups.length - 1; j >= i; j--) {
    const window = groups.slice(i, j + 1);
    const digits = window.map((g) => g.digits).join('');
    if (digits.length < MIN_CARD || digits.length > MAX_CARD) continue;
    if (looksLikeACard(window) && passesLuhn(digits)) return j;
  }
  return -1;
}

/** Contiguous, wrapped across lines only, or in a card's grouping (the separators between groups may be mixed). */
function looksLikeACard(window: Group[]): boolean {
  if (window.length === 1) return true;
  if (window.slice(1).every((g) => LINE_BREAK.test(g.before))) return true;
  const lengths = window.map((g) => g.digits.length);
  const last = lengths.at(-1)!;
  const head = lengths.slice(0, -1);
  if ((head.length === 3 || head.length === 4) && head.every((n) => n === 4) && last <= 4) return true;
  const layout = lengths.join('-');
  return layout === '4-6-5' || layout === '4-6-4';
}

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let k = 0; k < digits.length; k++) {
    let d = digits.charCodeAt(digits.length - 1 - k) - 48;
    if (k % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
