// The event S3 sends a function for objects created under a notification's prefix (the ledger's imports bucket):
// only what the import needs of each record — the bucket, the key (URL-encoded in the event, `+` for a space, as S3
// encodes it) and the size, which lets the import refuse a file over its limit without reading it. Other records
// (another event name) are left out rather than failing the whole invocation. zod/mini keeps the bundle small.
import * as z from 'zod/mini';

const RecordSchema = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().check(z.minLength(1)) }),
    object: z.object({ key: z.string().check(z.minLength(1)), size: z.optional(z.number().check(z.gte(0))) }),
  }),
});

const EventSchema = z.object({ Records: z.array(RecordSchema) });

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
}

/** The objects an S3 notification says were created; throws when the event is not an S3 notification at all. */
export function parseObjectCreated(input: unknown): CreatedObject[] {
  const event = EventSchema.parse(input);
  return event.Records.filter((r) => r.eventName.startsWith('ObjectCreated:')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    size: r.s3.object.size ?? 0,
  }));
}
