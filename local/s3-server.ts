/**
 * A minimal S3-compatible HTTP server for the local cloud (path-style addressing only).
 *
 * Enough of the S3 REST API for the unchanged `@aws-sdk/client-s3` (configured with `endpoint` and
 * `forcePathStyle: true`): PutObject, GetObject (incl. a single byte Range), HeadObject, DeleteObject,
 * ListObjectsV2 (and V1), CreateBucket, HeadBucket, DeleteBucket, ListBuckets. Buckets spring into
 * existence on first use; lifecycle expiration is local/s3-lifecycle.ts, through `deleteModifiedBefore`.
 * Anything else answers 501 `NotImplemented` (e.g. multipart uploads, CopyObject, DeleteObjects), so a
 * missing feature fails loudly instead of silently.
 *
 * Request bodies sent with `Content-Encoding: aws-chunked` / `x-amz-content-sha256: STREAMING-…`
 * (what the SDK does for stream bodies: chunked framing plus a trailing checksum) are decoded, and
 * every checksum the client sends (Content-MD5, x-amz-content-sha256, x-amz-checksum-crc32/crc32c/
 * sha1/sha256, as header or trailer) is verified. CRC64NVME is stored and echoed but not verified.
 * A presigned URL (SigV4 in the query string) is verified as S3 does (local/s3-presign.ts): its signature
 * over method, path, every query parameter (the `response-*` overrides too) and signed headers, made with
 * its access key's secret (`secretFor`), and its validity (X-Amz-Date + X-Amz-Expires on `now`); its
 * `response-content-type` / `response-content-disposition` / … overrides then set those response headers.
 * Requests signed in the Authorization header are not verified; their signing access key is, when
 * `authorize` is given (local IAM: the caller's role must allow the request's action on the bucket or
 * object ARN, else 403 AccessDenied, and a missing key is 403 rather than 404 to a caller that may not
 * list the bucket, as on S3).
 *
 * Storage is in memory, or under `dataDir` (survives a restart). On disk every object is a body file
 * plus a JSON metadata file; the metadata file is written to a temporary name and renamed into place,
 * which is the commit point, so a crash leaves either the old or the new object, never half of one.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { checkPresigned, isPresigned } from './s3-presign.ts';

export interface LocalS3 {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
  put(bucket: string, key: string, body: Buffer, contentType?: string): Promise<void>;
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  /** Deletes the objects of `bucket` under `prefix` last modified at or before `cutoff` (epoch ms); their keys. */
  deleteModifiedBefore(bucket: string, prefix: string, cutoff: number): Promise<string[]>;
}

export interface StartS3ServerOptions {
  port: number;
  host?: string;
  dataDir?: string;
  /**
   * Asked before each request with what it does (`s3:GetObject` on `arn:aws:s3:::bucket/key`, …; see
   * local/iam-requests.ts): the AccessDenied message when the caller may not, else undefined.
   */
  authorize?: (req: http.IncomingMessage, target: { method: string; bucket: string | undefined; key: string | undefined }) => string | undefined;
  /** Asked when a GET or HEAD finds no such key: whether the caller may list the bucket (S3 then says 404, else 403). */
  mayList?: (req: http.IncomingMessage, bucket: string) => boolean;
  /** The secret of an access key a presigned URL names; undefined: no such key. Default: every key's secret is `local`. */
  secretFor?: (accessKeyId: string) => string | undefined;
  /** Epoch milliseconds now, for a presigned URL's expiry (default Date.now: the local cloud passes its clock). */
  now?: () => number;
}

/** The secret access key of every local credential (the functions' and the tests' alike). */
export const LOCAL_SECRET = 'local';

/** Content-Type S3 reports for an object stored without one. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** Largest request body accepted (S3's single PUT limit is 5 GiB; a local emulator keeps it in memory). */
const MAX_BODY_BYTES = 1024 * 1024 * 1024;
const MAX_KEY_BYTES = 1024;
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

// ---------------------------------------------------------------------------------------------
// Checksums
// ---------------------------------------------------------------------------------------------

type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc = CRC32C_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function uint32Base64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

/** Base64 checksum of `body`, or undefined when this server cannot compute that algorithm. */
function computeChecksum(algorithm: ChecksumAlgorithm, body: Buffer): string | undefined {
  switch (algorithm) {
    case 'CRC32':
      return uint32Base64(crc32(body));
    case 'CRC32C':
      return uint32Base64(crc32c(body));
    case 'SHA1':
      return createHash('sha1').update(body).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(body).digest('base64');
    case 'CRC64NVME':
      return undefined;
  }
}

function md5Hex(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// aws-chunked decoding
// ---------------------------------------------------------------------------------------------

export class AwsChunkedError extends Error {
  override name = 'AwsChunkedError';
}

/**
 * Decodes an `aws-chunked` body: `<hex size>[;chunk-signature=…]\r\n<data>\r\n` repeated, a final
 * zero-size chunk, then optional trailer lines `name:value\r\n` and an empty line. The SDK omits the
 * empty line when it sends no trailer, so the end of input is accepted there too.
 */
export function decodeAwsChunked(encoded: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let offset = 0;
  const readLine = (): string => {
    const end = encoded.indexOf('\r\n', offset, 'latin1');
    if (end < 0) throw new AwsChunkedError('aws-chunked: missing CRLF after a chunk header or trailer');
    const line = encoded.toString('latin1', offset, end);
    offset = end + 2;
    return line;
  };
  for (;;) {
    const header = readLine();
    const sizeText = header.split(';', 1)[0]!.trim();
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw new AwsChunkedError(`aws-chunked: bad chunk size ${JSON.stringify(sizeText)}`);
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) break;
    if (offset + size + 2 > encoded.length) throw new AwsChunkedError('aws-chunked: chunk runs past the end of the body');
    parts.push(encoded.subarray(offset, offset + size));
    offset += size;
    if (encoded[offset] !== 0x0d || encoded[offset + 1] !== 0x0a) throw new AwsChunkedError('aws-chunked: chunk data not followed by CRLF');
    offset += 2;
  }
  const trailers: Record<string, string> = {};
  while (offset < encoded.length) {
    const line = readLine();
    if (line === '') {
      if (offset !== encoded.length) throw new AwsChunkedError('aws-chunked: data after the trailer section');
      break;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new AwsChunkedError(`aws-chunked: bad trailer line ${JSON.stringify(line)}`);
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted MD5 hex, as S3 returns it. */
  etag: string;
  lastModified: number;
  contentType: string;
  metadata: Record<string, string>;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** Disk mode: name of the body file inside the bucket directory. */
  bodyFile?: string;
}

interface StoredObject {
  meta: ObjectMeta;
  /** Memory mode only. */
  body?: Buffer;
}

interface BucketState {
  created: number;
  objects: Map<string, StoredObject>;
}

class ObjectStore {
  private readonly buckets = new Map<string, BucketState>();
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(private readonly dir: string | undefined) {}

  static async open(dataDir: string | undefined): Promise<ObjectStore> {
    const store = new ObjectStore(dataDir === undefined ? undefined : path.resolve(dataDir, 'buckets'));
    if (store.dir !== undefined) await store.load(store.dir);
    return store;
  }

  /** Rebuilds the index from disk and removes leftovers of interrupted writes. */
  private async load(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !isValidBucketName(entry.name)) continue;
      const bucketDir = path.join(dir, entry.name);
      const info = await stat(bucketDir);
      const bucket: BucketState = { created: info.birthtimeMs || info.mtimeMs, objects: new Map() };
      this.buckets.set(entry.name, bucket);
      const files = await readdir(bucketDir);
      const referenced = new Set<string>();
      for (const file of files) {
        if (!file.endsWith('.json')) continue;
        const meta = JSON.parse(await readFile(path.join(bucketDir, file), 'utf8')) as ObjectMeta;
        if (meta.bodyFile === undefined || !files.includes(meta.bodyFile)) continue;
        referenced.add(meta.bodyFile);
        bucket.objects.set(meta.key, { meta });
      }
      for (const file of files) {
        if ((file.endsWith('.bin') && !referenced.has(file)) || file.includes('.tmp-')) {
          await rm(path.join(bucketDir, file), { force: true });
        }
      }
    }
  }

  /** Runs `fn` after every earlier operation on the same object has finished. */
  private withLock<T>(bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
    const id = `${bucket}\0${key}`;
    const previous = this.locks.get(id) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return run;
  }

  private bucketDir(bucket: string): string {
    return path.join(this.dir!, bucket);
  }

  private static keyHash(key: string): string {
    return createHash('sha256').update(key, 'utf8').digest('hex');
  }

  async ensureBucket(bucket: string): Promise<BucketState> {
    let state = this.buckets.get(bucket);
    if (!state) {
      state = { created: Date.now(), objects: new Map() };
      this.buckets.set(bucket, state);
      if (this.dir !== undefined) await mkdir(this.bucketDir(bucket), { recursive: true });
    }
    return state;
  }

  listBuckets(): { name: string; created: number }[] {
    return [...this.buckets.entries()]
      .map(([name, state]) => ({ name, created: state.created }))
      .sort((a, b) => compareKeys(a.name, b.name));
  }

  /** false when the bucket still holds objects. */
  async deleteBucket(bucket: string): Promise<boolean> {
    const state = this.buckets.get(bucket);
    if (!state) return true;
    if (state.objects.size > 0) return false;
    this.buckets.delete(bucket);
    if (this.dir !== undefined) await rm(this.bucketDir(bucket), { recursive: true, force: true });
    return true;
  }

  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.buckets.get(bucket)?.objects.get(key)?.meta;
  }

  entries(bucket: string): ObjectMeta[] {
    const state = this.buckets.get(bucket);
    return state ? [...state.objects.values()].map((o) => o.meta) : [];
  }

  put(bucket: string, meta: Omit<ObjectMeta, 'bodyFile'>, body: Buffer): Promise<ObjectMeta> {
    return this.withLock(bucket, meta.key, async () => {
      const state = await this.ensureBucket(bucket);
      const previous = state.objects.get(meta.key);
      if (this.dir === undefined) {
        const stored: StoredObject = { meta: { ...meta }, body };
        state.objects.set(meta.key, stored);
        return stored.meta;
      }
      const dir = this.bucketDir(bucket);
      const hash = ObjectStore.keyHash(meta.key);
      const bodyFile = `${hash}.${randomBytes(6).toString('hex')}.bin`;
      const full: ObjectMeta = { ...meta, bodyFile };
      await writeFile(path.join(dir, bodyFile), body);
      const metaPath = path.join(dir, `${hash}.json`);
      const tmp = `${metaPath}.tmp-${randomBytes(6).toString('hex')}`;
      await writeFile(tmp, JSON.stringify(full));
      await rename(tmp, metaPath); // commit point
      state.objects.set(meta.key, { meta: full });
      if (previous?.meta.bodyFile !== undefined) await rm(path.join(dir, previous.meta.bodyFile), { force: true });
      return full;
    });
  }

  get(bucket: string, key: string): Promise<{ meta: ObjectMeta; body: Buffer } | undefined> {
    return this.withLock(bucket, key, async () => {
      const stored = this.buckets.get(bucket)?.objects.get(key);
      if (!stored) return undefined;
      if (stored.body) return { meta: stored.meta, body: stored.body };
      const body = await readFile(path.join(this.bucketDir(bucket), stored.meta.bodyFile!));
      return { meta: stored.meta, body };
    });
  }

  delete(bucket: string, key: string): Promise<void> {
    return this.withLock(bucket, key, async () => {
      const state = this.buckets.get(bucket);
      const stored = state?.objects.get(key);
      if (!state || !stored) return;
      if (this.dir !== undefined) {
        const dir = this.bucketDir(bucket);
        await unlink(path.join(dir, `${ObjectStore.keyHash(key)}.json`)).catch(ignoreNotFound); // commit point
        if (stored.meta.bodyFile !== undefined) await rm(path.join(dir, stored.meta.bodyFile), { force: true });
      }
      state.objects.delete(key);
    });
  }
}

function ignoreNotFound(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

/** S3 orders keys by their UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isValidBucketName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name);
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]!};`);
}

function xmlElement(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** Query parameters of a path-style request. */
type Query = URLSearchParams;

interface ParsedRequest {
  bucket: string | undefined;
  key: string | undefined;
  query: Query;
  resource: string;
}

/**
 * Splits the raw request target by hand: `new URL()` would resolve `.`/`..` segments (also
 * percent-encoded ones), which are legal characters of an S3 key.
 */
function parseTarget(target: string): ParsedRequest {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  if (!rawPath.startsWith('/')) throw new S3Error(400, 'InvalidURI', 'Could not parse the specified URI.');
  const slash = rawPath.indexOf('/', 1);
  const rawBucket = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const rawKey = slash < 0 ? '' : rawPath.slice(slash + 1);
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(rawBucket);
    key = decodeURIComponent(rawKey);
  } catch {
    throw new S3Error(400, 'InvalidURI', 'Could not parse the specified URI.');
  }
  return { bucket: bucket === '' ? undefined : bucket, key: key === '' ? undefined : key, query, resource: rawPath };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > MAX_BODY_BYTES) throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Decodes the request body and verifies every checksum the client sent along with it. */
function decodePutBody(
  req: http.IncomingMessage,
  raw: Buffer,
): { body: Buffer; checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined; contentEncoding: string | undefined } {
  const sha256Header = header(req, 'x-amz-content-sha256');
  const encodings = (header(req, 'content-encoding') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const chunked = encodings.includes('aws-chunked') || (sha256Header?.startsWith('STREAMING-') ?? false);
  let body = raw;
  let trailers: Record<string, string> = {};
  if (chunked) {
    try {
      ({ body, trailers } = decodeAwsChunked(raw));
    } catch (error) {
      throw new S3Error(400, 'IncompleteBody', (error as Error).message);
    }
    const decodedLength = header(req, 'x-amz-decoded-content-length');
    if (decodedLength !== undefined && Number(decodedLength) !== body.length) {
      throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length header.');
    }
    const announced = (header(req, 'x-amz-trailer') ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    for (const name of announced) {
      if (trailers[name] === undefined) throw new S3Error(400, 'MalformedTrailerError', `The request did not contain the announced trailer ${name}.`);
    }
  }
  const contentMd5 = header(req, 'content-md5');
  if (contentMd5 !== undefined && createHash('md5').update(body).digest('base64') !== contentMd5) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  if (sha256Header !== undefined && /^[0-9a-f]{64}$/i.test(sha256Header) && createHash('sha256').update(body).digest('hex') !== sha256Header.toLowerCase()) {
    throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  let checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
    const value = trailers[name] ?? header(req, name);
    if (value === undefined) continue;
    const computed = computeChecksum(algorithm, body);
    if (computed !== undefined && computed !== value) {
      throw new S3Error(400, 'BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
    }
    checksum = { algorithm, value };
  }
  const kept = encodings.filter((e) => e !== 'aws-chunked');
  return { body, checksum, contentEncoding: kept.length > 0 ? kept.join(',') : undefined };
}

function userMetadata(req: http.IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) {
      metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return metadata;
}

function objectHeaders(meta: ObjectMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': meta.contentType,
    etag: meta.etag,
    'last-modified': new Date(meta.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
  };
  if (meta.cacheControl !== undefined) headers['cache-control'] = meta.cacheControl;
  if (meta.contentDisposition !== undefined) headers['content-disposition'] = meta.contentDisposition;
  if (meta.contentEncoding !== undefined) headers['content-encoding'] = meta.contentEncoding;
  if (meta.contentLanguage !== undefined) headers['content-language'] = meta.contentLanguage;
  for (const [name, value] of Object.entries(meta.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** Parses a single `bytes=` range; undefined means "ignore the header and send everything". */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(size) });
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(size) });
  return { start, end };
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** Query parameters that belong to the operations implemented here. Any other one is a subresource. */
const OBJECT_QUERY = new Set(['x-id', 'partNumber', ...Object.keys(RESPONSE_OVERRIDES)]);
const LIST_QUERY = new Set(['x-id', 'list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'marker']);
/** A presigned URL's own parameters: X-Amz-Signature and its kin, and the lower-case ones the SDK signs in (x-amz-checksum-mode). */
const PRESIGN_QUERY = /^x-amz-/i;

function unsupportedSubresource(query: Query, allowed: Set<string>): string | undefined {
  for (const name of query.keys()) {
    if (!allowed.has(name) && !PRESIGN_QUERY.test(name)) return name;
  }
  return undefined;
}

function listObjects(store: ObjectStore, bucket: string, query: Query): string {
  const v2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const encodeUrl = query.get('encoding-type') === 'url';
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? 1000 : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
  const limit = Math.min(maxKeys, 1000);

  const token = v2 ? query.get('continuation-token') : null;
  let after: string | undefined;
  if (token !== null) {
    try {
      after = Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
    }
  } else {
    after = (v2 ? query.get('start-after') : query.get('marker')) ?? undefined;
  }

  // The marker/token is the last key or common prefix returned. It is a common prefix exactly when
  // the first delimiter after `prefix` ends it (a key of that shape would have been rolled up too).
  const afterIsPrefix =
    after !== undefined && delimiter !== '' && after.startsWith(prefix) && after.indexOf(delimiter, prefix.length) === after.length - delimiter.length;
  const keys = store
    .entries(bucket)
    .filter((m) => m.key.startsWith(prefix))
    .sort((a, b) => compareKeys(a.key, b.key));
  const contents: ObjectMeta[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (const meta of keys) {
    if (after !== undefined && compareKeys(meta.key, after) <= 0) continue;
    // A common prefix returned on an earlier page covers every key that rolls up into it.
    if (afterIsPrefix && meta.key.startsWith(after!)) continue;
    let rolledUp: string | undefined;
    if (delimiter !== '') {
      const at = meta.key.indexOf(delimiter, prefix.length);
      if (at >= 0) rolledUp = meta.key.slice(0, at + delimiter.length);
    }
    if (rolledUp !== undefined && commonPrefixes[commonPrefixes.length - 1] === rolledUp) continue;
    if (contents.length + commonPrefixes.length >= limit) {
      truncated = limit > 0;
      break;
    }
    if (rolledUp !== undefined) {
      commonPrefixes.push(rolledUp);
      last = rolledUp;
    } else {
      contents.push(meta);
      last = meta.key;
    }
  }

  const enc = (value: string) => (encodeUrl ? encodeURIComponent(value).replace(/%2F/g, '/') : value);
  const parts: string[] = [`<?xml version="1.0" encoding="UTF-8"?>`, `<ListBucketResult xmlns="${S3_NS}">`];
  parts.push(xmlElement('Name', bucket), xmlElement('Prefix', enc(prefix)));
  if (delimiter !== '') parts.push(xmlElement('Delimiter', enc(delimiter)));
  parts.push(xmlElement('MaxKeys', maxKeys), xmlElement('IsTruncated', truncated));
  if (v2) {
    parts.push(xmlElement('KeyCount', contents.length + commonPrefixes.length));
    if (token !== null) parts.push(xmlElement('ContinuationToken', token));
    if (query.get('start-after') !== null) parts.push(xmlElement('StartAfter', enc(query.get('start-after')!)));
    if (truncated && last !== undefined) parts.push(xmlElement('NextContinuationToken', Buffer.from(last, 'utf8').toString('base64url')));
  } else {
    parts.push(xmlElement('Marker', enc(query.get('marker') ?? '')));
    if (truncated && last !== undefined && delimiter !== '') parts.push(xmlElement('NextMarker', enc(last)));
  }
  if (encodeUrl) parts.push(xmlElement('EncodingType', 'url'));
  for (const meta of contents) {
    parts.push(
      '<Contents>',
      xmlElement('Key', enc(meta.key)),
      xmlElement('LastModified', new Date(meta.lastModified).toISOString()),
      xmlElement('ETag', meta.etag),
      xmlElement('Size', meta.size),
      xmlElement('StorageClass', 'STANDARD'),
      meta.checksum ? xmlElement('ChecksumAlgorithm', meta.checksum.algorithm) : '',
      '</Contents>',
    );
  }
  for (const p of commonPrefixes) parts.push('<CommonPrefixes>', xmlElement('Prefix', enc(p)), '</CommonPrefixes>');
  parts.push('</ListBucketResult>');
  return parts.join('');
}

function sendXml(res: http.ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': String(body.length) });
  res.end(body);
}

function sendEmpty(res: http.ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': '0' });
  res.end();
}

function sendError(req: http.IncomingMessage, res: http.ServerResponse, error: S3Error, resource: string, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (req.method === 'HEAD') {
    sendEmpty(res, error.status, { 'x-amz-request-id': requestId });
    return;
  }
  const extra = Object.entries(error.extra)
    .map(([k, v]) => xmlElement(k, v))
    .join('');
  sendXml(
    res,
    error.status,
    `<?xml version="1.0" encoding="UTF-8"?><Error>${xmlElement('Code', error.code)}${xmlElement('Message', error.message)}${extra}${xmlElement('Resource', resource)}${xmlElement('RequestId', requestId)}</Error>`,
    { 'x-amz-request-id': requestId },
  );
}

function notImplemented(what: string): S3Error {
  return new S3Error(501, 'NotImplemented', `The local S3 server does not implement ${what}.`);
}

function validateNames(bucket: string, key: string | undefined): void {
  if (!isValidBucketName(bucket)) throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: bucket });
  if (key !== undefined && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');
  }
}

async function handle(store: ObjectStore, req: http.IncomingMessage, res: http.ServerResponse, _requestId: string, opts: StartS3ServerOptions): Promise<void> {
  const { bucket, key, query } = parseTarget(req.url ?? '/');
  const method = req.method ?? 'GET';
  if (method !== 'PUT' && method !== 'POST') req.resume();
  const target = req.url ?? '/';
  if (isPresigned(target)) {
    const problem = checkPresigned({ method, target, headers: req.headers, secretFor: opts.secretFor ?? (() => LOCAL_SECRET), now: (opts.now ?? Date.now)() });
    if (problem) {
      req.resume();
      throw new S3Error(problem.status, problem.code, problem.message, problem.extra);
    }
  }
  const denied = opts.authorize?.(req, { method, bucket, key });
  if (denied !== undefined) {
    req.resume();
    throw new S3Error(403, 'AccessDenied', denied);
  }

  if (bucket === undefined) {
    if (method !== 'GET') throw notImplemented(`${method} /`);
    const buckets = store
      .listBuckets()
      .map((b) => `<Bucket>${xmlElement('Name', b.name)}${xmlElement('CreationDate', new Date(b.created).toISOString())}</Bucket>`)
      .join('');
    sendXml(
      res,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>local</ID><DisplayName>local</DisplayName></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
    );
    return;
  }
  validateNames(bucket, key);

  if (key === undefined) {
    switch (method) {
      case 'PUT': {
        const sub = unsupportedSubresource(query, new Set(['x-id']));
        if (sub !== undefined) throw notImplemented(`PUT bucket ?${sub}`);
        await readBody(req);
        await store.ensureBucket(bucket);
        sendEmpty(res, 200, { location: `/${bucket}` });
        return;
      }
      case 'HEAD':
        await store.ensureBucket(bucket);
        sendEmpty(res, 200, { 'x-amz-bucket-region': 'us-east-1' });
        return;
      case 'GET': {
        const sub = unsupportedSubresource(query, LIST_QUERY);
        if (sub !== undefined) throw notImplemented(`GET bucket ?${sub}`);
        sendXml(res, 200, listObjects(store, bucket, query));
        return;
      }
      case 'DELETE':
        if (!(await store.deleteBucket(bucket))) {
          throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: bucket });
        }
        sendEmpty(res, 204);
        return;
      default:
        throw notImplemented(`${method} bucket${query.size > 0 ? ` ?${[...query.keys()].join('&')}` : ''}`);
    }
  }

  const notFound = () =>
    opts.mayList && !opts.mayList(req, bucket)
      ? new S3Error(403, 'AccessDenied', 'Access Denied')
      : new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key, BucketName: bucket });
  switch (method) {
    case 'PUT': {
      const sub = unsupportedSubresource(query, new Set(['x-id']));
      if (sub !== undefined) throw notImplemented(`PUT object ?${sub}`);
      if (header(req, 'x-amz-copy-source') !== undefined) throw notImplemented('CopyObject');
      const raw = await readBody(req);
      const { body, checksum, contentEncoding } = decodePutBody(req, raw);
      const meta = await store.put(bucket, buildMeta(key, body, {
        contentType: header(req, 'content-type'),
        metadata: userMetadata(req),
        cacheControl: header(req, 'cache-control'),
        contentDisposition: header(req, 'content-disposition'),
        contentEncoding,
        contentLanguage: header(req, 'content-language'),
        checksum,
      }), body);
      const headers: Record<string, string> = { etag: meta.etag };
      if (meta.checksum) headers[`x-amz-checksum-${meta.checksum.algorithm.toLowerCase()}`] = meta.checksum.value;
      sendEmpty(res, 200, headers);
      return;
    }
    case 'GET':
    case 'HEAD': {
      const sub = unsupportedSubresource(query, OBJECT_QUERY);
      if (sub !== undefined) throw notImplemented(`${method} object ?${sub}`);
      const meta = store.head(bucket, key);
      if (!meta) throw notFound();
      const ifMatch = header(req, 'if-match');
      if (ifMatch !== undefined && !etagMatches(ifMatch, meta.etag)) {
        throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
      }
      const ifNoneMatch = header(req, 'if-none-match');
      if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, meta.etag)) {
        sendEmpty(res, 304, { etag: meta.etag, 'last-modified': new Date(meta.lastModified).toUTCString() });
        return;
      }
      const headers = objectHeaders(meta);
      for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
        const value = query.get(param);
        if (value !== null) headers[name] = value;
      }
      const range = parseRange(header(req, 'range'), meta.size);
      if (!range && meta.checksum && header(req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
        headers[`x-amz-checksum-${meta.checksum.algorithm.toLowerCase()}`] = meta.checksum.value;
        headers['x-amz-checksum-type'] = 'FULL_OBJECT';
      }
      if (method === 'HEAD') {
        const length = range ? range.end - range.start + 1 : meta.size;
        if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${meta.size}`;
        res.writeHead(range ? 206 : 200, { ...headers, 'content-length': String(length) });
        res.end();
        return;
      }
      const found = await store.get(bucket, key);
      if (!found) throw notFound();
      const body = range ? found.body.subarray(range.start, range.end + 1) : found.body;
      if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${found.meta.size}`;
      res.writeHead(range ? 206 : 200, { ...headers, 'content-length': String(body.length) });
      res.end(body);
      return;
    }
    case 'DELETE': {
      const sub = unsupportedSubresource(query, new Set(['x-id']));
      if (sub !== undefined) throw notImplemented(`DELETE object ?${sub}`);
      await store.delete(bucket, key);
      sendEmpty(res, 204);
      return;
    }
    default:
      throw notImplemented(`${method} object${query.size > 0 ? ` ?${[...query.keys()].join('&')}` : ''} (multipart uploads are not supported)`);
  }
}

function etagMatches(condition: string, etag: string): boolean {
  return condition
    .split(',')
    .map((c) => c.trim())
    .some((c) => c === '*' || c === etag || `"${c}"` === etag);
}

function buildMeta(
  key: string,
  body: Buffer,
  opts: {
    contentType: string | undefined;
    metadata: Record<string, string>;
    cacheControl?: string | undefined;
    contentDisposition?: string | undefined;
    contentEncoding?: string | undefined;
    contentLanguage?: string | undefined;
    checksum?: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  },
): Omit<ObjectMeta, 'bodyFile'> {
  const meta: Omit<ObjectMeta, 'bodyFile'> = {
    key,
    size: body.length,
    etag: `"${md5Hex(body)}"`,
    lastModified: Date.now(),
    contentType: opts.contentType ?? DEFAULT_CONTENT_TYPE,
    metadata: opts.metadata,
  };
  if (opts.cacheControl !== undefined) meta.cacheControl = opts.cacheControl;
  if (opts.contentDisposition !== undefined) meta.contentDisposition = opts.contentDisposition;
  if (opts.contentEncoding !== undefined) meta.contentEncoding = opts.contentEncoding;
  if (opts.contentLanguage !== undefined) meta.contentLanguage = opts.contentLanguage;
  if (opts.checksum !== undefined) meta.checksum = opts.checksum;
  return meta;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the server; `port: 0` picks a free port (see `LocalS3.port`). */
export async function startS3Server(opts: StartS3ServerOptions): Promise<LocalS3> {
  const host = opts.host ?? '127.0.0.1';
  const store = await ObjectStore.open(opts.dataDir);
  const inFlight = new Set<Promise<void>>();

  const server = http.createServer((req, res) => {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', requestId);
    res.setHeader('server', 'trustdesk-local-s3');
    const work = handle(store, req, res, requestId, opts).catch((error: unknown) => {
      const s3Error =
        error instanceof S3Error ? error : new S3Error(500, 'InternalError', `We encountered an internal error: ${(error as Error)?.message ?? String(error)}`);
      sendError(req, res, s3Error, (req.url ?? '/').split('?', 1)[0]!, requestId);
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(opts.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${urlHost(host)}:${port}`,
    port,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await Promise.allSettled([...inFlight]);
      })();
      return stopping;
    },
    async put(bucket, key, body, contentType) {
      validateNames(bucket, key);
      await store.put(bucket, buildMeta(key, body, { contentType, metadata: {} }), body);
    },
    async get(bucket, key) {
      return (await store.get(bucket, key))?.body;
    },
    async deleteModifiedBefore(bucket, prefix, cutoff) {
      const expired = store.entries(bucket).filter((m) => m.key.startsWith(prefix) && m.lastModified <= cutoff);
      for (const meta of expired) await store.delete(bucket, meta.key);
      return expired.map((m) => m.key);
    },
  };
}
