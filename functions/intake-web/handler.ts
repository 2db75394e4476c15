// POST /inquiries: the public web form. A browser posting the form itself (no JavaScript) gets pages,
// every other client JSON; failures go through the shared error mapping either way, only answered in HTML.
import { parseInquiryRequest } from '#events/inquiry.ts';
import { DynamoIntakeStore } from '#lib/adapters/dynamodb-intake.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { httpApi, json, readBody, valid } from '#lib/http.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { policies } from '#lib/policies.ts';
import { newInquiryFrom, submitInquiry, type SubmitDeps } from '#lib/use-cases/submit-inquiry.ts';
import { confirmationPage, pageOrJson, wantsHtml } from './html.ts';

const env = loadEnv('intake-web');
const deps: SubmitDeps = {
  store: new DynamoIntakeStore(env.CASES_TABLE, env.PROFILES_TABLE),
  clock: systemClock,
  policies,
  newCaseId,
  newReference,
};

export const MAX_BODY_BYTES = 32 * 1024;

export const handler = httpApi(
  {
    'POST /inquiries': async (event) => {
      const { inquiry, idempotencyKey } = valid(parseInquiryRequest(readBody(event, MAX_BODY_BYTES), event.headers['idempotency-key']));
      const result = await submitInquiry(deps, {
        inquiry: newInquiryFrom('web', inquiry),
        ...(idempotencyKey && { idempotencyKey }),
      });
      if (wantsHtml(event.headers)) return confirmationPage(result.reference);
      return json(201, { caseId: result.caseId, reference: result.reference }, result.replayed ? { 'idempotent-replayed': 'true' } : {});
    },
  },
  { answerFailure: pageOrJson },
);
