// The ledger's imports bucket (ImportFiles): the dropped file read whole (the import bounds its size before
// reading), and its report put as JSON beside it under reports/. A separate adapter from the mail bucket's: its
// keys, its reader and its only writer differ, and the function's role reaches imports/ for reading and reports/
// for writing, nothing else.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportFiles, LedgerImportReport } from '../ports.ts';
import { readObject, s3 } from './s3.ts';

export class S3ImportFiles implements ImportFiles {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3,
  ) {}

  async read(key: string): Promise<Buffer | undefined> {
    return readObject(this.client, this.bucket, key);
  }

  async writeReport(key: string, report: LedgerImportReport): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: `${JSON.stringify(report, null, 2)}\n`, ContentType: 'application/json' }));
  }
}
