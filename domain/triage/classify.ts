// Category of an inquiry: the form's choice when given, else the category whose keywords
// appear most in the text. Pure: no AWS, no I/O.

import type { Category } from '../case.ts';
import { scanText, type TextScan, type TriagePolicy } from './policy.ts';

export interface Classification {
  category: Category;
  categorySource: 'form' | 'text';
  /** Keywords of the chosen category found in subject + message (lower-case, distinct). */
  categoryKeywords: string[];
}

/** Keywords counting towards each category; safety-critical phrases also count as 'safety'. */
function keywordsFor(scan: TextScan, category: Category): string[] {
  const own = scan.categoryKeywords[category];
  if (category !== 'safety' || scan.safety.length === 0) return own;
  const all = [...own];
  for (const hit of scan.safety) if (!all.includes(hit.keyword)) all.push(hit.keyword);
  return all;
}

/**
 * Classify from an existing scan (see scanText), so the text is normalised only once per inquiry.
 * Text rule: the category with the most distinct keyword hits wins; ties go to the category listed
 * first in policy.categories.precedence; no hits at all gives 'other'.
 */
export function classifyScan(scan: TextScan, categoryHint: Category | undefined, policy: TriagePolicy): Classification {
  if (categoryHint !== undefined) {
    return { category: categoryHint, categorySource: 'form', categoryKeywords: keywordsFor(scan, categoryHint) };
  }
  let best: Category = 'other';
  let bestKeywords: string[] = [];
  for (const category of policy.categories.precedence) {
    const keywords = keywordsFor(scan, category);
    if (keywords.length > bestKeywords.length) {
      best = category;
      bestKeywords = keywords;
    }
  }
  return { category: best, categorySource: 'text', categoryKeywords: bestKeywords };
}

/** Classify an inquiry. `categoryHint` is the category picked on the form, if any. */
export function classify(
  subject: string,
  message: string,
  categoryHint: Category | undefined,
  policy: TriagePolicy,
): Classification {
  return classifyScan(scanText(subject, message, policy), categoryHint, policy);
}
