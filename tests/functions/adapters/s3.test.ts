import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3AttachmentLinks, S3BlobStore } from '#lib/adapters/s3.ts';

const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const s3 = mockClient(client);
const blobs = new S3BlobStore('mail-bucket', client);

/** The part of the SDK's streaming body the adapter uses. */
const body = (data: Buffer) => ({ transformToByteArray: async () => new Uint8Array(data) }) as never;

beforeEach(() => {
  s3.reset();
});

describe('S3BlobStore.get', () => {
  it('returns the object bytes', async () => {
    const raw = Buffer.from([0x46, 0x72, 0x6f, 0x6d, 0x3a, 0x00, 0xff, 0x0a]);
    s3.on(GetObjectCommand, { Bucket: 'mail-bucket', Key: 'inbound/m-1' }).resolves({ Body: body(raw) });
    const got = await blobs.get('inbound/m-1');
    expect(got).toBeInstanceOf(Buffer);
    expect(got!.equals(raw)).toBe(true);
  });

  it('returns undefined for a missing key (NoSuchKey)', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    await expect(blobs.get('inbound/missing')).resolves.toBeUndefined();
  });

  it('returns undefined for a NoSuchKey error that is not the SDK class (other SDK copy)', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
    await expect(blobs.get('inbound/missing')).resolves.toBeUndefined();
  });

  it('returns undefined when S3 answers without a body', async () => {
    s3.on(GetObjectCommand).resolves({});
    await expect(blobs.get('inbound/empty')).resolves.toBeUndefined();
  });

  it.each([
    ['AccessDenied', 403],
    ['SlowDown', 503],
    ['InternalError', 500],
  ])('rethrows %s', async (name, status) => {
    const error = new S3ServiceException({ name, message: `${name} happened`, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
    s3.on(GetObjectCommand).rejects(error);
    await expect(blobs.get('inbound/m-1')).rejects.toBe(error);
  });
});

describe('S3BlobStore.put', () => {
  it('puts the bytes with their content type into the bucket', async () => {
    s3.on(PutObjectCommand).resolves({});
    const data = Buffer.from('%PDF-1.4');
    await blobs.put('attachments/m-1/1-receipt.pdf', data, 'application/pdf');
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'mail-bucket',
      Key: 'attachments/m-1/1-receipt.pdf',
      Body: data,
      ContentType: 'application/pdf',
    });
  });
});

describe('S3AttachmentLinks', () => {
  // A local cloud started earlier in this worker points every S3 client at itself (AWS_ENDPOINT_URL_S3): the link
  // under test is AWS's, so that setting is lifted for these tests and put back after.
  const endpointEnv = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'] as const;
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const name of endpointEnv) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
  });
  afterAll(() => {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  });

  it('presigns a five-minute GetObject whose response type and disposition are fixed by the link', async () => {
    // Presigning is local (no request): a client of its own, so the mock above does not stand in.
    const signer = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });
    const now = new Date('2026-12-04T10:00:00.750Z');
    const links = new S3AttachmentLinks('mail-bucket', { now: () => now }, undefined, signer);
    const disposition = `attachment; filename="_.pdf"; filename*=UTF-8''%C3%BC.pdf`;
    const { url, expiresAt } = await links.linkTo('attachments/m-1/1-ü.pdf', { contentType: 'application/pdf', contentDisposition: disposition });
    const parsed = new URL(url);
    expect(parsed.hostname).toBe('mail-bucket.s3.eu-west-1.amazonaws.com');
    expect(decodeURIComponent(parsed.pathname)).toBe('/attachments/m-1/1-ü.pdf');
    expect(parsed.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(parsed.searchParams.get('response-content-type')).toBe('application/pdf');
    expect(parsed.searchParams.get('response-content-disposition')).toBe(disposition);
    expect(parsed.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDTEST\//);
    // The whole second it was asked in, plus five minutes: never after the link's own end.
    expect(expiresAt).toBe('2026-12-04T10:05:00.000Z');
    signer.destroy();
  });
});
