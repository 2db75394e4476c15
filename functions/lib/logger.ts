import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per function; log ids and codes, never personal data. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'trustdesk' });
