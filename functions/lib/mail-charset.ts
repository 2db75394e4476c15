// Mail whose bytes do not match its charset label, put right before mailparser reads it.
// Real mailboxes get raw 8-bit headers and bodies with no charset (old clients, webmail forms, scripts)
// or with the wrong one (windows-1252 labelled ISO-8859-1 or UTF-8, UTF-8 labelled Latin-1). mailparser
// trusts the label and shows U+FFFD; this pass checks each text part's decoded bytes against its label
// and, where they disagree, relabels the part with the charset a maintained detector (chardet) finds.
// Only labels change: every other byte of the message is passed through as it came (mailsplit joins
// unchanged parts byte for byte), so a message that needs nothing is returned as it was.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isUtf8 } from 'node:buffer';
import { Joiner, Splitter } from '@zone-eu/mailsplit';
import chardet from 'chardet';
import iconv from './text-codecs.ts';

/** Charsets decoded by mailparser's libmime though iconv-lite does not name them (7-bit Japanese). */
const DECODED_BY_LIBMIME = /^(iso-?2022-?jp(-\d)?|csiso2022jp)$/;
const UNLABELLED = new Set(['', 'utf-8', 'utf8', 'us-ascii', 'ascii', 'ansi_x3.4-1968']);
const LATIN1 = new Set(['iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1', 'us-ascii', 'ascii']);

const hasHighBytes = (bytes: Buffer) => bytes.some((b) => b >= 0x80);
/** C1 control codes: never text in ISO-8859-1, the curly quotes, dashes and € of windows-1252. */
const hasC1 = (bytes: Buffer) => bytes.some((b) => b >= 0x80 && b <= 0x9f);

/** The charset the bytes are really in, when it is not what the label says; undefined to keep the label. */
export function correctedCharset(bytes: Buffer, label: string | undefined): string | undefined {
  const declared = (label ?? '').trim().toLowerCase();
  if (!hasHighBytes(bytes)) return undefined; // 7-bit: ASCII, or a 7-bit charset such as ISO-2022-JP
  if (UNLABELLED.has(declared)) return isUtf8(bytes) ? undefined : detect(bytes);
  if (isUtf8(bytes)) return 'utf-8'; // legacy 8-bit text is practically never valid multi-byte UTF-8
  if (LATIN1.has(declared)) return hasC1(bytes) ? 'windows-1252' : undefined;
  if (DECODED_BY_LIBMIME.test(declared) || iconv.encodingExists(declared)) return undefined;
  return detect(bytes); // a label nothing can decode ("unknown-8bit", "x-user-defined", "default")
}

function detect(bytes: Buffer): string | undefined {
  const found = chardet.detect(bytes)?.toLowerCase();
  if (!found || found === 'utf-8' || !iconv.encodingExists(found)) return undefined;
  if (found === 'iso-8859-1' && hasC1(bytes)) return 'windows-1252';
  return found;
}

/** The message with every text part's and the header block's charset put right. */
export async function repairCharsets(raw: Buffer): Promise<Buffer> {
  const headed = repairHeaderBlock(raw);
  // 7-bit mail whose parts are not transfer-encoded has nothing a label could get wrong.
  if (!hasHighBytes(headed) && !/content-transfer-encoding:\s*"?(quoted-printable|base64)/i.test(headed.toString('latin1'))) return headed;
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from([headed]),
    new Splitter({ ignoreEmbedded: true }),
    new Relabeller(),
    new Joiner(),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(chunks);
}

/** Raw 8-bit header values (RFC 6532 allows UTF-8 there; anything else is a guess): transcoded to UTF-8. */
function repairHeaderBlock(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end);
  if (!hasHighBytes(head) || isUtf8(head)) return raw;
  const detected = detect(head);
  // Header syntax is ASCII: only an ASCII-compatible charset can have written it.
  const charset = detected && !/^(utf-16|utf-32|iso-2022)/.test(detected) ? detected : 'windows-1252';
  return Buffer.concat([Buffer.from(iconv.decode(head, charset), 'utf8'), raw.subarray(end)]);
}

function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : raw.length;
}

interface SplitNode {
  type: 'node';
  contentType: string | false;
  charset: string | false;
  encoding: string | false;
  disposition: string | false;
  multipart: string | false;
  setCharset(charset: string): void;
}
type SplitChunk = SplitNode | { type: 'body' | 'data'; value: Buffer };

/** Holds each text part until its body is complete, relabels it if needed, then lets it through. */
class Relabeller extends Transform {
  private held: { node: SplitNode; body: Buffer[] } | undefined;

  constructor() {
    super({ objectMode: true });
  }

  override _transform(chunk: SplitChunk, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.type === 'body' && this.held) {
      this.held.body.push(chunk.value);
      done();
      return;
    }
    this.release();
    if (chunk.type === 'node' && isInlineText(chunk)) this.held = { node: chunk, body: [] };
    else this.push(chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.release();
    done();
  }

  private release(): void {
    if (!this.held) return;
    const { node, body } = this.held;
    this.held = undefined;
    const charset = correctedCharset(decodeTransfer(Buffer.concat(body), node.encoding || ''), node.charset || undefined);
    if (charset) node.setCharset(charset);
    this.push(node);
    for (const value of body) this.push({ type: 'body', value });
  }
}

const isInlineText = (node: SplitNode) => !node.multipart && /^text\/(plain|html)$/.test(node.contentType || 'text/plain') && node.disposition !== 'attachment';

/** The body's bytes under its Content-Transfer-Encoding. */
function decodeTransfer(body: Buffer, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return Buffer.from(
        body
          .toString('latin1')
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        'latin1',
      );
    default:
      return body;
  }
}
