// Satisfaction ratings from the resolution email's links (no sign-in): show the confirmation of a score, and
// record it once. The token proves the link is ours, for this case and resolution, and not expired
// (rating-links.ts); the case says whether that resolution is rated already (domain/satisfaction.ts). The
// write is conditional on the case version, so two confirmations racing make one rating: the loser re-reads
// and is told the resolution is rated. Every refusal is a RatingRefusedError and changes nothing. Neither the
// comment nor the requester's address is logged.
import type { CaseRecord } from '#domain/case.ts';
import { checkRateable, rateResolution, RatingRefused } from '#domain/satisfaction.ts';
import { BusyError, RatingRefusedError } from '../errors.ts';
import type { CaseStore, Clock, SigningKey } from '../ports.ts';
import { RatingLinkError, verifyRatingToken, type RatingClaim } from '../rating-links.ts';
import { isCaseId } from './read-cases.ts';

export interface RateDeps {
  store: Pick<CaseStore, 'getCase' | 'saveChange'>;
  key: SigningKey;
  clock: Clock;
}

/** What the confirmation page shows: the case reference only (no personal data on a public page). */
export interface RatingPrompt {
  reference: string;
  score: number;
}

const refusalOf = (refused: RatingRefused): RatingRefusedError => {
  if (refused.reason === 'already-rated') return new RatingRefusedError(409, 'already_rated', refused.message);
  if (refused.reason === 'superseded') return new RatingRefusedError(409, 'rating_superseded', refused.message);
  return new RatingRefusedError(409, 'not_rateable', refused.message);
};

async function claimOf(deps: RateDeps, token: string): Promise<RatingClaim> {
  try {
    return await verifyRatingToken(deps.key, token, deps.clock.now());
  } catch (error) {
    if (error instanceof RatingLinkError) {
      throw error.reason === 'expired'
        ? new RatingRefusedError(410, 'rating_link_expired', 'This rating link has expired. Nothing was recorded; thank you all the same.')
        : new RatingRefusedError(400, 'rating_link_invalid', 'This rating link is not valid. Nothing was recorded: please use the link exactly as it came in our email.');
    }
    throw error;
  }
}

async function caseOf(deps: RateDeps, claim: RatingClaim): Promise<CaseRecord> {
  const record = isCaseId(claim.caseId) ? await deps.store.getCase(claim.caseId) : undefined;
  if (!record) throw new RatingRefusedError(404, 'rating_case_unknown', 'We could not find the case this link is for. Nothing was recorded.');
  return record;
}

/** GET: the link is valid and unused; the page asks to confirm the score. */
export async function promptRating(deps: RateDeps, input: { token: string; score: number }): Promise<RatingPrompt> {
  const claim = await claimOf(deps, input.token);
  const record = await caseOf(deps, claim);
  try {
    checkRateable(record, claim.resolution);
  } catch (error) {
    throw error instanceof RatingRefused ? refusalOf(error) : error;
  }
  return { reference: record.reference, score: input.score };
}

/** POST: records the rating once; a second confirmation (or one that lost a race) is refused as already rated. */
export async function recordRating(deps: RateDeps, input: { token: string; score: number; comment?: string }): Promise<RatingPrompt> {
  const claim = await claimOf(deps, input.token);
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await caseOf(deps, claim);
    let change: ReturnType<typeof rateResolution>;
    try {
      change = rateResolution(record, { rating: input.score, ...(input.comment && { comment: input.comment }), resolution: claim.resolution }, deps.clock.now());
    } catch (error) {
      throw error instanceof RatingRefused ? refusalOf(error) : error;
    }
    const outcome = await deps.store.saveChange({ record: change.record, event: change.event });
    if (outcome.kind === 'saved') return { reference: record.reference, score: input.score };
    // Stale: the case moved on (an agent, or another confirmation); read it again and judge anew.
  }
  throw new BusyError();
}
