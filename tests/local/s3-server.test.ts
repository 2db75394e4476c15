import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeAwsChunked, startS3Server, type LocalS3 } from '../../local/s3-server.ts';
import { checkPresigned, isPresigned, presignedSignature, sigv4Encode } from '../../local/s3-presign.ts';

const BUCKET = 'attachments';

function client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Records the headers of every request the client sends, after the SDK's checksum middleware ran. */
function recordHeaders(s3: S3Client): Record<string, string>[] {
  const seen: Record<string, string>[] = [];
  s3.middlewareStack.add(
    (next) => async (args) => {
      seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordHeaders' },
  );
  return seen;
}

const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;

async function getBytes(s3: S3Client, key: string, bucket = BUCKET): Promise<{ bytes: Buffer; out: Awaited<ReturnType<S3Client['send']>> & Record<string, unknown> }> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await out.Body!.transformToByteArray());
  return { bytes, out: out as never };
}

async function expectFreePort(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

describe('local S3 server (in memory)', () => {
  let s3server: LocalS3;
  let s3: S3Client;

  beforeAll(async () => {
    s3server = await startS3Server({ port: 0 });
    s3 = client(s3server.endpoint);
  });
  afterAll(async () => {
    s3.destroy();
    await s3server.stop();
  });

  it('serves a presigned GET whose signature holds, whatever the case of its x-amz- parameters', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'exports/a.zip', Body: Buffer.from('zip bytes'), ContentType: 'application/zip' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'exports/a.zip' }), { expiresIn: 900 });
    expect(new URL(url).searchParams.has('x-amz-checksum-mode')).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('zip bytes');
  });

  it('reports its endpoint and the port it got', () => {
    expect(s3server.port).toBeGreaterThan(0);
    expect(s3server.endpoint).toBe(`http://127.0.0.1:${s3server.port}`);
  });

  it('creates and heads buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'made-explicitly' }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'made-explicitly' }));
    expect(head.$metadata.httpStatusCode).toBe(200);
  });

  it('round-trips a binary body with content type, metadata and an MD5 ETag', async () => {
    const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4096), Buffer.from('\r\n0\r\n\r\n')]);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'cases/c-1/evidence.bin',
        Body: body,
        ContentType: 'application/x-evidence',
        Metadata: { 'case-id': 'c-1', Uploader: 'agent@trustdesk.local' },
      }),
    );
    expect(put.ETag).toBe(md5(body));

    const { bytes, out } = await getBytes(s3, 'cases/c-1/evidence.bin');
    expect(bytes.equals(body)).toBe(true);
    expect(out.ContentType).toBe('application/x-evidence');
    expect(out.ContentLength).toBe(body.length);
    expect(out.ETag).toBe(md5(body));
    // S3 lower-cases metadata names.
    expect(out.Metadata).toEqual({ 'case-id': 'c-1', uploader: 'agent@trustdesk.local' });
    expect(out.LastModified).toBeInstanceOf(Date);

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cases/c-1/evidence.bin' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(md5(body));
    expect(head.ContentType).toBe('application/x-evidence');
    expect(head.Metadata).toEqual({ 'case-id': 'c-1', uploader: 'agent@trustdesk.local' });
  });

  it('defaults the content type like S3 does when the client sends none', async () => {
    // The SDK itself sends application/octet-stream for a body without ContentType.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sdk-no-type', Body: Buffer.from('x') }));
    const sdkHead = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'sdk-no-type' }));
    expect(sdkHead.ContentType).toBe('application/octet-stream');

    const raw = await fetch(`${s3server.endpoint}/${BUCKET}/raw-no-type`, { method: 'PUT', body: new Uint8Array([1, 2, 3]) });
    expect(raw.status).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'raw-no-type' }));
    expect(head.ContentType).toBe('binary/octet-stream');
  });

  it('stores a body over 1 MB sent as a buffer (checksum header) intact', async () => {
    const s3rec = client(s3server.endpoint);
    const seen = recordHeaders(s3rec);
    const body = randomBytes(3 * 1024 * 1024 + 17);
    await s3rec.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big/buffer.bin', Body: body }));
    expect(seen[0]!['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const { bytes, out } = await getBytes(s3rec, 'big/buffer.bin');
    expect(bytes.equals(body)).toBe(true);
    expect(out.ContentLength).toBe(body.length);
    expect((await s3server.get(BUCKET, 'big/buffer.bin'))?.equals(body)).toBe(true);
    s3rec.destroy();
  });

  it('decodes aws-chunked stream uploads over 1 MB (CRC32 and SHA256 trailers)', async () => {
    const s3rec = client(s3server.endpoint);
    const seen = recordHeaders(s3rec);
    const body = randomBytes(2 * 1024 * 1024 + 3);
    const pieces = (b: Buffer) => Readable.from([b.subarray(0, 100_000), b.subarray(100_000, 1_500_000), b.subarray(1_500_000)]);

    await s3rec.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big/stream-crc32.bin', Body: pieces(body), ContentLength: body.length, ContentType: 'application/pdf' }));
    expect(seen[0]!['content-encoding']).toContain('aws-chunked');
    expect(seen[0]!['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(seen[0]!['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect(seen[0]!['x-amz-decoded-content-length']).toBe(String(body.length));

    await s3rec.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'big/stream-sha256.bin', Body: pieces(body), ContentLength: body.length, ChecksumAlgorithm: 'SHA256' }),
    );
    expect(seen[1]!['x-amz-trailer']).toBe('x-amz-checksum-sha256');

    for (const key of ['big/stream-crc32.bin', 'big/stream-sha256.bin']) {
      const { bytes, out } = await getBytes(s3rec, key);
      expect(bytes.length).toBe(body.length);
      expect(bytes.equals(body)).toBe(true);
      expect(out.ETag).toBe(md5(body));
    }
    const head = await s3rec.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big/stream-crc32.bin' }));
    expect(head.ContentType).toBe('application/pdf');
    expect(head.ContentEncoding).toBeUndefined(); // aws-chunked is a transfer detail, not stored
    s3rec.destroy();
  });

  it('accepts a stream of unknown length as plain HTTP chunked when checksums are only computed when required', async () => {
    // With the default (WHEN_SUPPORTED) the SDK refuses a stream without ContentLength on its own:
    // 'Invalid value "undefined" for header "x-amz-decoded-content-length"'.
    const s3plain = new S3Client({
      endpoint: s3server.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const seen = recordHeaders(s3plain);
    const body = randomBytes(1_500_000);
    await s3plain.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big/unknown-length.bin', Body: Readable.from([body.subarray(0, 700_000), body.subarray(700_000)]) }));
    expect(seen[0]!['content-encoding']).toBeUndefined();
    expect(seen[0]!['content-length']).toBeUndefined(); // so Node sends it with Transfer-Encoding: chunked
    expect((await s3server.get(BUCKET, 'big/unknown-length.bin'))?.equals(body)).toBe(true);
    s3plain.destroy();
  });

  it('verifies CRC32C and SHA256 checksums and returns them for validation on GET', async () => {
    const body = randomBytes(300_000);
    for (const algorithm of ['CRC32C', 'SHA256', 'SHA1'] as const) {
      const key = `checksums/${algorithm}`;
      const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ChecksumAlgorithm: algorithm }));
      expect(put.ETag).toBe(md5(body));
      const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      const field = `Checksum${algorithm}` as 'ChecksumCRC32C' | 'ChecksumSHA256' | 'ChecksumSHA1';
      expect(out[field]).toBeTruthy();
      // The SDK validates the returned checksum while reading the body.
      expect(Buffer.from(await out.Body!.transformToByteArray()).equals(body)).toBe(true);
    }
  });

  it('rejects a body whose checksum does not match with BadDigest', async () => {
    const url = `${s3server.endpoint}/${BUCKET}/tampered`;
    const wrongCrc = await fetch(url, { method: 'PUT', body: 'hello', headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
    expect(wrongCrc.status).toBe(400);
    expect(await wrongCrc.text()).toContain('<Code>BadDigest</Code>');
    const wrongMd5 = await fetch(url, { method: 'PUT', body: 'hello', headers: { 'content-md5': createHash('md5').update('other').digest('base64') } });
    expect(wrongMd5.status).toBe(400);
    expect(await s3server.get(BUCKET, 'tampered')).toBeUndefined();
    const rightMd5 = await fetch(url, { method: 'PUT', body: 'hello', headers: { 'content-md5': createHash('md5').update('hello').digest('base64') } });
    expect(rightMd5.status).toBe(200);
  });

  it('decodes signed aws-chunked framing with trailers and rejects broken framing', async () => {
    const url = `${s3server.endpoint}/${BUCKET}/signed-chunks`;
    const encoded =
      `5;chunk-signature=${'a'.repeat(64)}\r\nhello\r\n` +
      `6;chunk-signature=${'b'.repeat(64)}\r\n world\r\n` +
      `0;chunk-signature=${'c'.repeat(64)}\r\n` +
      `x-amz-checksum-sha256:${createHash('sha256').update('hello world').digest('base64')}\r\n` +
      `x-amz-trailer-signature:${'d'.repeat(64)}\r\n\r\n`;
    const ok = await fetch(url, {
      method: 'PUT',
      body: encoded,
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': '11',
        'x-amz-trailer': 'x-amz-checksum-sha256',
        'content-type': 'text/plain',
      },
    });
    expect(ok.status).toBe(200);
    expect((await s3server.get(BUCKET, 'signed-chunks'))?.toString()).toBe('hello world');

    const truncated = await fetch(`${s3server.endpoint}/${BUCKET}/broken-chunks`, {
      method: 'PUT',
      body: 'ff\r\nshort\r\n0\r\n\r\n',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' },
    });
    expect(truncated.status).toBe(400);
    expect(await truncated.text()).toContain('<Code>IncompleteBody</Code>');
    expect(await s3server.get(BUCKET, 'broken-chunks')).toBeUndefined();
  });

  it('answers a missing key with NoSuchKey (GET) and NotFound (HEAD)', async () => {
    const error = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope/missing.txt' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchKey);
    expect((error as NoSuchKey).name).toBe('NoSuchKey');
    expect((error as NoSuchKey).$metadata.httpStatusCode).toBe(404);

    const headError = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'nope/missing.txt' })).catch((e: unknown) => e);
    expect(headError).toBeInstanceOf(S3ServiceException);
    expect((headError as S3ServiceException).name).toBe('NotFound');
    expect((headError as S3ServiceException).$metadata.httpStatusCode).toBe(404);
  });

  it('deletes objects (and deleting a missing key succeeds, as in S3)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'to-delete.txt', Body: 'bye' }));
    const del = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'to-delete.txt' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'to-delete.txt' }))).rejects.toBeInstanceOf(NoSuchKey);
    expect(await s3server.get(BUCKET, 'to-delete.txt')).toBeUndefined();
    const again = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'to-delete.txt' }));
    expect(again.$metadata.httpStatusCode).toBe(204);
  });

  it('keeps keys with slashes, dots, spaces and URL-special characters exactly', async () => {
    const keys = ['weird/a b+c%20d?e=f&g#h.txt', 'weird/../escape', 'weird/./dot', 'weird//double', 'weird/ünïcødé/日本.eml', 'weird/%2F-literal'];
    for (const [i, key] of keys.entries()) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body ${i}` }));
    }
    for (const [i, key] of keys.entries()) {
      const { bytes } = await getBytes(s3, key);
      expect(bytes.toString()).toBe(`body ${i}`);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'weird/' }));
    expect(listed.Contents?.map((c) => c.Key).sort()).toEqual([...keys].sort());
  });

  it('lists with prefix, max-keys, continuation tokens and delimiters', async () => {
    const bucket = 'listing';
    const keys = Array.from({ length: 25 }, (_, i) => `inbox/${String(i).padStart(2, '0')}.eml`);
    await Promise.all(keys.map((key) => s3server.put(bucket, key, Buffer.from(key), 'message/rfc822')));
    await s3server.put(bucket, 'other/x.eml', Buffer.from('x'));
    await s3server.put(bucket, 'inbox/nested/deep.eml', Buffer.from('deep'));

    const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'inbox/', MaxKeys: 10 }));
    expect(first.KeyCount).toBe(10);
    expect(first.IsTruncated).toBe(true);
    expect(first.Contents?.map((c) => c.Key)).toEqual(keys.slice(0, 10));
    expect(first.Contents?.[0]?.Size).toBe(keys[0]!.length);
    expect(first.Contents?.[0]?.ETag).toBe(md5(Buffer.from(keys[0]!)));
    expect(first.Contents?.[0]?.LastModified).toBeInstanceOf(Date);

    const second = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'inbox/', MaxKeys: 10, ContinuationToken: first.NextContinuationToken! }));
    expect(second.Contents?.map((c) => c.Key)).toEqual(keys.slice(10, 20));

    const all: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 7 }, { Bucket: bucket, Prefix: 'inbox/' })) {
      all.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    expect(all).toEqual([...keys.slice(0, 25), 'inbox/nested/deep.eml'].sort());

    const rolled = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    expect(rolled.Contents ?? []).toEqual([]);
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['inbox/', 'other/']);

    // A common prefix counts toward max-keys and is not repeated on the next page.
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 5 }, { Bucket: bucket, Prefix: 'inbox/', Delimiter: '/' })) {
      pages.push([...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!)]);
    }
    expect(pages.flat().sort()).toEqual([...keys, 'inbox/nested/'].sort());
    expect(pages.length).toBe(6);

    const empty = await s3.send(new ListObjectsV2Command({ Bucket: 'never-used', Prefix: 'x' }));
    expect(empty.KeyCount).toBe(0);
    expect(empty.IsTruncated).toBe(false);
  });

  it('serves byte ranges', async () => {
    await s3server.put(BUCKET, 'range.txt', Buffer.from('0123456789'), 'text/plain');
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.txt', Range: 'bytes=2-5' }));
    expect(await out.Body!.transformToString()).toBe('2345');
    expect(out.ContentRange).toBe('bytes 2-5/10');
    expect(out.$metadata.httpStatusCode).toBe(206);
  });

  it('answers unsupported operations with 501 instead of pretending', async () => {
    const res = await fetch(`${s3server.endpoint}/${BUCKET}/big.bin?uploads`, { method: 'POST' });
    expect(res.status).toBe(501);
    expect(await res.text()).toContain('<Code>NotImplemented</Code>');
  });
});

describe('decodeAwsChunked', () => {
  it('accepts the SDK framing without a trailer (ends right after the zero chunk)', () => {
    expect(decodeAwsChunked(Buffer.from('3\r\nabc\r\n0\r\n'))).toEqual({ body: Buffer.from('abc'), trailers: {} });
  });
  it('rejects a bad chunk size', () => {
    expect(() => decodeAwsChunked(Buffer.from('zz\r\nabc\r\n0\r\n'))).toThrow(/bad chunk size/);
  });
});

describe('local S3 server with dataDir', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('keeps objects across a restart on the same port, and stop() frees the port', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'trustdesk-s3-'));
    dirs.push(dataDir);
    const body = randomBytes(1_200_000);

    const first = await startS3Server({ port: 0, dataDir });
    const port = first.port;
    const s3a = client(first.endpoint);
    await s3a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'persist/raw.eml', Body: body, ContentType: 'message/rfc822', Metadata: { source: 'smtp' } }));
    await s3a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'persist/overwritten.txt', Body: 'v1' }));
    await s3a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'persist/overwritten.txt', Body: 'v2' }));
    await s3a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'persist/deleted.txt', Body: 'gone' }));
    await s3a.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'persist/deleted.txt' }));
    s3a.destroy();
    await first.stop();
    await expectFreePort(port);

    // Leftovers of a write interrupted by a crash must not show up or survive.
    const bucketDir = path.join(dataDir, 'buckets', BUCKET);
    await writeFile(path.join(bucketDir, 'deadbeef.123.bin'), 'orphan body');
    await writeFile(path.join(bucketDir, 'deadbeef.json.tmp-abc'), '{"half":');

    const second = await startS3Server({ port, dataDir });
    expect(second.port).toBe(port);
    const s3b = client(second.endpoint);
    const { bytes, out } = await getBytes(s3b, 'persist/raw.eml');
    expect(bytes.equals(body)).toBe(true);
    expect(out.ContentType).toBe('message/rfc822');
    expect(out.Metadata).toEqual({ source: 'smtp' });
    expect(out.ETag).toBe(md5(body));
    expect((await getBytes(s3b, 'persist/overwritten.txt')).bytes.toString()).toBe('v2');
    await expect(s3b.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'persist/deleted.txt' }))).rejects.toBeInstanceOf(NoSuchKey);
    const listed = await s3b.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['persist/overwritten.txt', 'persist/raw.eml']);

    // Two objects: two metadata files and two body files, nothing else.
    const files = await readdir(bucketDir);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(2);
    expect(files.some((f) => f.includes('.tmp-') || f.startsWith('deadbeef'))).toBe(false);

    s3b.destroy();
    await second.stop();
    await expectFreePort(port);
  });

  it('stop() closes open connections, even one in the middle of a request, instead of waiting for them', async () => {
    const server = await startS3Server({ port: 0 });
    const s3c = client(server.endpoint);
    await s3c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    const halfSent = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => halfSent.once('connect', resolve));
    halfSent.on('error', () => {});
    halfSent.write(`PUT /${BUCKET}/slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\npartial`);
    halfSent.resume();
    const halfSentClosed = new Promise((resolve) => halfSent.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await halfSentClosed;
    await expectFreePort(server.port);
    expect(await server.get(BUCKET, 'slow')).toBeUndefined();
    s3c.destroy();
  });
});

describe('presigned URLs on the local S3 server', () => {
  let now = Date.now();
  let server: LocalS3;
  let s3p: S3Client;
  beforeAll(async () => {
    server = await startS3Server({ port: 0, now: () => now, secretFor: (key) => (key === 'gone' ? undefined : 'local') });
    s3p = client(server.endpoint);
    await server.put(BUCKET, 'attachments/m1/1-ünï (1).pdf', Buffer.from('%PDF-1.4 bytes'), 'application/pdf');
  });
  afterAll(async () => {
    s3p.destroy();
    await server.stop();
  });
  const presign = (expiresIn = 300, overrides: { ResponseContentType?: string; ResponseContentDisposition?: string } = {}, c = s3p) =>
    getSignedUrl(c, new GetObjectCommand({ Bucket: BUCKET, Key: 'attachments/m1/1-ünï (1).pdf', ...overrides }), { expiresIn });
  const errorCode = async (res: Response) => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

  it('serves the object with the response-content-type and response-content-disposition it was signed with', async () => {
    const disposition = `attachment; filename="_n_ (1).pdf"; filename*=UTF-8''%C3%BCn%C3%AF%20%281%29.pdf`;
    const res = await fetch(await presign(300, { ResponseContentType: 'application/octet-stream', ResponseContentDisposition: disposition }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(disposition);
    expect(await res.text()).toBe('%PDF-1.4 bytes');
  });

  it('refuses a link whose overrides, path, method or signature were changed: SignatureDoesNotMatch', async () => {
    const url = new URL(await presign(300, { ResponseContentType: 'application/pdf', ResponseContentDisposition: 'attachment' }));
    const inline = new URL(url);
    inline.searchParams.set('response-content-disposition', 'inline');
    const html = new URL(url);
    html.searchParams.set('response-content-type', 'text/html');
    const added = new URL(url);
    added.searchParams.set('response-cache-control', 'public');
    const otherKey = new URL(url);
    otherKey.pathname = `/${BUCKET}/attachments/m1/2-other.pdf`;
    const forged = new URL(url);
    forged.searchParams.set('X-Amz-Signature', 'f'.repeat(64));
    for (const bad of [inline, html, added, otherKey, forged]) {
      const res = await fetch(bad);
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('SignatureDoesNotMatch');
    }
    const put = await fetch(url, { method: 'PUT', body: 'overwrite' });
    expect(put.status).toBe(403);
    expect(await errorCode(put)).toBe('SignatureDoesNotMatch');
    expect((await server.get(BUCKET, 'attachments/m1/1-ünï (1).pdf'))?.toString()).toBe('%PDF-1.4 bytes');
  });

  it('refuses a link signed with another secret, or by a key it does not know', async () => {
    const wrongSecret = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'not-local' } });
    const res = await fetch(await presign(300, {}, wrongSecret));
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('SignatureDoesNotMatch');
    wrongSecret.destroy();
    const unknown = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'gone', secretAccessKey: 'local' } });
    const res2 = await fetch(await presign(300, {}, unknown));
    expect(res2.status).toBe(403);
    expect(await errorCode(res2)).toBe('InvalidAccessKeyId');
    unknown.destroy();
  });

  it('serves a link until X-Amz-Expires has passed on its clock, then answers AccessDenied: Request has expired', async () => {
    const signedAt = Date.now();
    now = signedAt;
    const url = await presign(300);
    const signed = new URL(url).searchParams.get('X-Amz-Date')!;
    const signedMs = Date.UTC(+signed.slice(0, 4), +signed.slice(4, 6) - 1, +signed.slice(6, 8), +signed.slice(9, 11), +signed.slice(11, 13), +signed.slice(13, 15));
    now = signedMs + 300_000;
    expect((await fetch(url)).status).toBe(200);
    now = signedMs + 300_001;
    const res = await fetch(url);
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');
    expect(text).toContain('<X-Amz-Expires>300</X-Amz-Expires>');
    now = Date.now();
  });

  it('refuses a validity over a week and malformed SigV4 parameters with 400', async () => {
    const url = new URL(await presign(300));
    const long = new URL(url);
    long.searchParams.set('X-Amz-Expires', '604801');
    const noHost = new URL(url);
    noHost.searchParams.set('X-Amz-SignedHeaders', 'x-amz-date');
    const badAlgorithm = new URL(url);
    badAlgorithm.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA1');
    for (const bad of [long, noHost, badAlgorithm]) {
      const res = await fetch(bad);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('AuthorizationQueryParametersError');
    }
  });
});

describe('checkPresigned', () => {
  it('tells presigned targets from plain ones', () => {
    expect(isPresigned('/b/k?X-Amz-Signature=abc')).toBe(true);
    expect(isPresigned('/b/k?x-amz-credential=abc')).toBe(true);
    expect(isPresigned('/b/k?response-content-type=text%2Fplain')).toBe(false);
    expect(isPresigned('/b/k')).toBe(false);
  });

  it('encodes as SigV4 does: only A-Z a-z 0-9 - _ . ~ left as they are', () => {
    expect(sigv4Encode("a b+c!'()*~._-/ü")).toBe('a%20b%2Bc%21%27%28%29%2A~._-%2F%C3%BC');
  });

  it('accepts the signature it computes, and its check does not depend on how the path was percent-encoded', () => {
    const base = '/b/a%20b?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=k%2F20261204%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261204T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host';
    const headers = { host: '127.0.0.1:9000' };
    const signature = presignedSignature({ method: 'GET', target: base, headers, secret: 's' });
    const now = Date.UTC(2026, 11, 4, 12, 0, 30);
    const check = (target: string, o: Partial<{ method: string; host: string }> = {}) =>
      checkPresigned({ method: o.method ?? 'GET', target: `${target}&X-Amz-Signature=${signature}`, headers: { host: o.host ?? headers.host }, secretFor: () => 's', now });
    expect(check(base)).toBeUndefined();
    expect(check(base.replace('a%20b', 'a%20%62'))).toBeUndefined();
    expect(check(base, { host: '127.0.0.1:9001' })?.code).toBe('SignatureDoesNotMatch');
    expect(check(base, { method: 'DELETE' })?.code).toBe('SignatureDoesNotMatch');
    expect(checkPresigned({ method: 'GET', target: `${base}&X-Amz-Signature=${signature}`, headers, secretFor: () => 's', now: Date.UTC(2026, 11, 4, 12, 1, 1) })?.message).toBe('Request has expired');
  });
});
