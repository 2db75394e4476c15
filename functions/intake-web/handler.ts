// POST /inquiries: the public web form.
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseInquiry } from '#events/inquiry.ts';
import { DynamoIntakeStore } from '#lib/adapters/dynamodb-intake.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { AppError, ValidationError } from '#lib/errors.ts';
import { httpErrors, isThrottling, json, readBody } from '#lib/http.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { logger } from '#lib/logger.ts';
import { policies } from '#lib/policies.ts';
import { submitInquiry, type SubmitDeps } from '#lib/use-cases/submit-inquiry.ts';
import { confirmationPage, errorPage, problemPage, wantsHtml } from './html.ts';

const env = loadEnv('intake-web');
const deps: SubmitDeps = {
  store: new DynamoIntakeStore(env.CASES_TABLE, env.PROFILES_TABLE),
  clock: systemClock,
  policies,
  newCaseId,
  newReference,
};

export const MAX_BODY_BYTES = 32 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

async function create(event: APIGatewayProxyEvent): Promise<{ caseId: string; reference: string; replayed: boolean }> {
  const body = readBody(event, MAX_BODY_BYTES);
  const idempotencyKey = event.headers['idempotency-key'];
  const problems = [];
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    problems.push({ field: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' });
  }
  const parsed = parseInquiry(body);
  if (!parsed.ok) problems.push(...parsed.problems);
  if (problems.length > 0 || !parsed.ok) throw new ValidationError(problems);

  const { email, name, userId, subject, message, category, amount, currency, transactionId } = parsed.inquiry;
  const result = await submitInquiry(deps, {
    inquiry: {
      channel: 'web',
      requester: { email, ...(name && { name }), ...(userId && { userId }) },
      subject,
      message,
      ...(category && { categoryHint: category }),
      ...(amount !== undefined && { amount }),
      ...(currency && { currency }),
      ...(transactionId && { transactionId }),
    },
    ...(idempotencyKey && { idempotencyKey }),
  });
  return result;
}

async function submit(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  // A browser posting the form without JavaScript gets pages; every other client gets JSON.
  if (!wantsHtml(event.headers)) {
    const result = await create(event);
    return json(201, { caseId: result.caseId, reference: result.reference }, result.replayed ? { 'idempotent-replayed': 'true' } : {});
  }
  try {
    return confirmationPage((await create(event)).reference);
  } catch (error) {
    if (error instanceof AppError) return problemPage(error.status, error.message, error.fields ?? []);
    if (isThrottling(error)) return errorPage(503);
    logger.error('unhandled error', { error: error as Error });
    return errorPage(500);
  }
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(httpHeaderNormalizer())
  .use(httpErrors())
  .handler(submit);
