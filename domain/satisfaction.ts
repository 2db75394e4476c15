// Satisfaction ratings: which resolutions ask the requester for a 1–5 rating, and recording one. Pure rules;
// the rating link (a signed token naming the case and which resolution it rates) is the use case's
// (functions/lib/use-cases/rate-case.ts), the page the handler's. A rating is recorded once per resolution:
// the rule refuses a second one for the same resolution, and the store's version check makes two
// concurrent confirmations one (the loser re-reads the case and is refused here).
import type { CaseRecord, Outcome, Satisfaction } from './case.ts';
import { commit, type Change } from './change.ts';

export const RATING_SCORES = [1, 2, 3, 4, 5] as const;
export const MAX_RATING_COMMENT = 1000;

/**
 * Whether this resolution asks for a rating. Not for duplicates (the case that counts asks), incidents
 * (trustdesk opened them itself; nobody to ask), or a requester whose personal data is erased. Auto-close
 * after silence is a `case.closed`, never a resolution, so it never asks.
 */
export function asksForRating(record: Pick<CaseRecord, 'channel' | 'incident' | 'erased'>, outcome: Outcome | undefined): boolean {
  if (outcome === 'duplicate') return false;
  if (record.channel === 'system' || record.incident) return false;
  return !record.erased;
}

/** Why a rating cannot be recorded; each is a clear page, and nothing changes. */
export class RatingRefused extends Error {
  override name = 'RatingRefused';
  constructor(
    readonly reason: 'already-rated' | 'superseded' | 'not-rateable',
    message: string,
  ) {
    super(message);
  }
}

/** Whether a rating of this resolution could be recorded now (the GET page asks before showing the form). */
export function checkRateable(current: CaseRecord, resolution: number): void {
  if (current.satisfaction && current.satisfaction.resolution >= resolution) {
    throw new RatingRefused('already-rated', 'This resolution has already been rated. Thank you: your rating is recorded and this link cannot change it.');
  }
  if ((current.resolutions ?? 0) !== resolution) {
    throw new RatingRefused('superseded', 'This link is for an earlier resolution of your case; the case has been worked on since. Use the link in the latest email about it.');
  }
  if (!asksForRating(current, current.outcome)) throw new RatingRefused('not-rateable', 'This case does not take ratings.');
}

/** Records the rating as the `satisfaction.rated` event and the case's `satisfaction` field. */
export function rateResolution(current: CaseRecord, input: { rating: number; comment?: string; resolution: number }, now: Date): Change {
  checkRateable(current, input.resolution);
  const comment = input.comment?.trim();
  const satisfaction: Satisfaction = { rating: input.rating, ...(comment && { comment }), ratedAt: now.toISOString(), resolution: input.resolution };
  return commit(
    current,
    {
      type: 'satisfaction.rated',
      data: { rating: input.rating, ...(comment && { comment }), resolution: input.resolution },
      lifecycle: false,
      patch: { satisfaction },
    },
    { kind: 'requester', email: current.requester.email },
    now,
  );
}
