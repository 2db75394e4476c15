// GET /ratings and POST /ratings: the public satisfaction pages the resolution email links to (no sign-in).
// GET checks the link and asks to confirm the score; POST records it once. Both answer HTML, failures too.
import { parseRatingForm, parseRatingLink } from '#events/rating.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { SecretsManagerSigningKey } from '#lib/adapters/secrets-manager.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { httpApi, readBody, valid } from '#lib/http.ts';
import { promptRating, recordRating, type RateDeps } from '#lib/use-cases/rate-case.ts';
import { confirmPage, ratingFailurePage, thanksPage } from './html.ts';

const env = loadEnv('ratings');
const deps: RateDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  key: new SecretsManagerSigningKey(env.RATING_KEY_SECRET),
  clock: systemClock,
};

export const MAX_BODY_BYTES = 8 * 1024;

export const handler = httpApi(
  {
    'GET /ratings': async (event) => {
      const link = valid(parseRatingLink(event.queryStringParameters)).value;
      const prompt = await promptRating(deps, link);
      return confirmPage(prompt.reference, prompt.score, link.token);
    },
    'POST /ratings': async (event) => {
      const form = valid(parseRatingForm(readBody(event, MAX_BODY_BYTES))).value;
      const recorded = await recordRating(deps, form);
      return thanksPage(recorded.reference, recorded.score);
    },
  },
  { answerFailure: ratingFailurePage },
);
