// The risk team's governance API: erasure requests (a person's personal data out of every case) and evidence
// exports (one checksummed archive of a case). A function of its own: it alone may delete from the mail bucket.
import { CasePathSchema } from '#events/case-query.ts';
import { parseErasureRequest } from '#events/erasure.ts';
import { parsePath } from '#events/request.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { S3ArchiveDrop, S3BlobStore } from '#lib/adapters/s3.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { agentFrom, httpApi, json, readBody, valid } from '#lib/http.ts';
import { eraseRequester, type ErasureDeps } from '#lib/use-cases/erase-personal-data.ts';
import { exportCase, type ExportDeps } from '#lib/use-cases/export-case.ts';

const env = loadEnv('governance-api');
const store = new DynamoCaseStore(env.CASES_TABLE, env.PROFILES_TABLE);
const blobs = new S3BlobStore(env.MAIL_BUCKET);
// An erasure also takes the account's transactions out of trustdesk's copy of the ledger.
const erasure: ErasureDeps = { store, blobs, ledger: new DynamoLedger(env.LEDGER_TABLE), clock: systemClock, inboundPrefix: env.MAIL_PREFIX };
const exports: ExportDeps = { store, blobs, drop: new S3ArchiveDrop(env.MAIL_BUCKET, systemClock), clock: systemClock };
const MAX_ERASURE_BYTES = 4 * 1024;

export const handler = httpApi(
  {
    'POST /requesters/erasure': async (event) => {
      const { subject } = valid(parseErasureRequest(readBody(event, MAX_ERASURE_BYTES)));
      return json(200, await eraseRequester(erasure, subject, { agentId: agentFrom(event).id, role: 'risk' }));
    },
    'GET /cases/{caseId}/export': async (event) => {
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      const archive = await exportCase(exports, { caseId, agent: agentFrom(event) });
      if (archive.delivery === 'link') {
        // Too big for one answer: 303 to the presigned link (a client following redirects gets the zip), the details as JSON.
        const { url, expiresAt, filename, bytes, sha256, manifest } = archive;
        return json(303, { downloadUrl: url, expiresAt, filename, bytes, sha256, manifest }, { location: url });
      }
      // Binary through API Gateway: base64 with isBase64Encoded, and application/zip among the API's binary media types.
      return {
        statusCode: 200,
        headers: {
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename="${archive.filename}"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
        body: Buffer.from(archive.zip).toString('base64'),
        isBase64Encoded: true,
      };
    },
  },
  { roles: ['risk'] },
);
