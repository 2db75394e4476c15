// The mail bucket: inbound MIME and attachments (BlobStore), deleted for good by an erasure (BlobEraser),
// evidence archives too big for an API answer, handed over by a presigned link (ArchiveDrop), and attachments
// downloaded by a presigned link (AttachmentLinks). A presigned GET is signed with the function's own
// credentials and authorized by S3 when it is used, so the signer's role needs s3:GetObject on the key.
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ArchiveDrop, AttachmentLinks, BlobEraser, BlobStore, Clock } from '../ports.ts';

export const s3 = new S3Client({});

/** An object's bytes, or undefined when there is no such key (any other failure throws). */
export async function readObject(client: S3Client, bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : undefined;
  } catch (error) {
    if (error instanceof NoSuchKey || (error instanceof Error && error.name === 'NoSuchKey')) return undefined;
    throw error;
  }
}

export class S3BlobStore implements BlobStore, BlobEraser {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    return readObject(this.client, this.bucket, key);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for an absent key too. The bucket is versioned: the delete marker hides the object at
    // once and the noncurrent version expires a day later on the bucket's lifecycle rule.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

/** Archives in the bucket under their key (a lifecycle rule deletes them a day later), fetched by a presigned GET. */
export class S3ArchiveDrop implements ArchiveDrop {
  constructor(
    private readonly bucket: string,
    private readonly clock: Clock,
    /** How long the link works: long enough to download, short enough that a forwarded link soon dies. */
    private readonly linkSeconds = 15 * 60,
    private readonly client: S3Client = s3,
  ) {}

  async drop(key: string, body: Uint8Array, filename: string): Promise<{ url: string; expiresAt: string }> {
    const disposition = `attachment; filename="${filename}"`;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/zip', ContentDisposition: disposition }));
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: this.linkSeconds });
    return { url, expiresAt: new Date(this.clock.now().getTime() + this.linkSeconds * 1000).toISOString() };
  }
}

/**
 * A presigned GetObject whose response headers are fixed by the link itself (`response-content-type`,
 * `response-content-disposition`: signed, so the holder cannot change them): whatever was stored with the
 * object, the download is the type and the disposition the API chose.
 */
export class S3AttachmentLinks implements AttachmentLinks {
  constructor(
    private readonly bucket: string,
    private readonly clock: Clock,
    /** Five minutes: enough to start the download; a link pasted elsewhere soon stops working. */
    private readonly linkSeconds = 5 * 60,
    private readonly client: S3Client = s3,
  ) {}

  async linkTo(key: string, as: { contentType: string; contentDisposition: string }): Promise<{ url: string; expiresAt: string }> {
    // The link runs from its signing time (the presigner's own clock, whole seconds, read after this one), so
    // the whole second read here plus its validity is never later than the link's end.
    const expiresAt = new Date(Math.floor(this.clock.now().getTime() / 1000) * 1000 + this.linkSeconds * 1000).toISOString();
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentType: as.contentType, ResponseContentDisposition: as.contentDisposition });
    const url = await getSignedUrl(this.client, command, { expiresIn: this.linkSeconds });
    return { url, expiresAt };
  }
}
