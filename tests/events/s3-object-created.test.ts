// The import function's reading of S3's ObjectCreated event: bucket, key decoded as S3 encodes it (`+` a space,
// %XX escapes), size; records of other event names left out; anything that is not an S3 notification refused.
import { describe, expect, it } from 'vitest';
import { parseObjectCreated } from '../../events/s3-object-created.ts';

const record = (eventName: string, key: string, size?: number) => ({ eventName, s3: { bucket: { name: 'imports' }, object: { key, ...(size !== undefined && { size }) } } });

describe('parseObjectCreated', () => {
  it('reads each created object, its key decoded, and leaves other events out', () => {
    const event = { Records: [record('ObjectCreated:Put', 'imports/day+1%2B2.csv', 12), record('ObjectRemoved:Delete', 'imports/x.csv'), record('ObjectCreated:CompleteMultipartUpload', 'imports/big.jsonl')] };
    expect(parseObjectCreated(event)).toEqual([
      { bucket: 'imports', key: 'imports/day 1+2.csv', size: 12 },
      { bucket: 'imports', key: 'imports/big.jsonl', size: 0 },
    ]);
  });

  it('refuses an event that is not an S3 notification', () => {
    expect(() => parseObjectCreated({ detail: {} })).toThrow();
    expect(() => parseObjectCreated({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: '' }, object: { key: 'k' } } }] })).toThrow();
  });
});
