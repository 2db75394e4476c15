// iconv-lite's decoding API (and encoding-japanese's one call libmime makes) over the runtime's WHATWG
// TextDecoder, which Node builds on ICU and which knows every charset mail is written in: the ISO-8859 and
// windows code pages, KOI8, Shift_JIS, EUC-JP, ISO-2022-JP, GBK/GB18030, Big5, EUC-KR, UTF-16. The email
// intake bundle aliases `iconv-lite` and `encoding-japanese` to this file (infra/function-bundle.ts)
// because those two packages are 570 KB of tables, two thirds of the bundle, parsed at every cold start,
// for decoders the runtime already has (issue 15 point 7). Only decoding is offered: trustdesk never
// encodes into a legacy charset. The names iconv-lite treats as codecs but that are not charsets a message
// could be written in (UTF-7, base64, hex) keep codec objects of their own, so libmime still recognises
// and refuses them; a name TextDecoder does not know makes `getCodec` throw, as iconv-lite does. UTF-32,
// which TextDecoder lacks, is decoded here (byte order from the BOM, else guessed from the zero bytes).

interface Codec {
  readonly encoding: string;
  readonly decoder: unknown;
}

/** One decoder identity for every double-byte charset, as iconv-lite shares one among its DBCS codecs. */
const DBCS = Symbol('dbcs');
const SINGLE = Symbol('single');
const DOUBLE_BYTE = new Set(['shift_jis', 'euc-jp', 'gbk', 'gb18030', 'big5', 'euc-kr']);
/** iconv-lite's non-charset codecs, by the names it accepts for them (compared without punctuation). */
const NOT_CHARSETS: Record<string, string> = { utf7: 'utf7', unicode11utf7: 'utf7', utf7imap: 'utf7imap', base64: 'base64', hex: 'hex' };

const codecs = new Map<string, Codec>();

function codecOf(name: string): Codec | undefined {
  const bare = name.toLowerCase().replace(/[^0-9a-z]/g, '');
  const special = NOT_CHARSETS[bare];
  const encoding = special ?? whatwgName(name);
  if (!encoding) return undefined;
  let codec = codecs.get(encoding);
  if (!codec) {
    codec = { encoding, decoder: special ? Symbol(special) : DOUBLE_BYTE.has(encoding) ? DBCS : SINGLE };
    codecs.set(encoding, codec);
  }
  return codec;
}

const UTF32: Record<string, string> = { utf32: 'utf-32', ucs4: 'utf-32', utf32le: 'utf-32le', ucs4le: 'utf-32le', utf32be: 'utf-32be', ucs4be: 'utf-32be' };

function whatwgName(name: string): string | undefined {
  const utf32 = UTF32[name.toLowerCase().replace(/[^0-9a-z]/g, '')];
  if (utf32) return utf32;
  try {
    return new TextDecoder(name.trim()).encoding;
  } catch {
    return undefined;
  }
}

export function getCodec(name: string): Codec {
  const codec = codecOf(String(name));
  if (!codec) throw new Error(`Encoding not recognized: '${name}'`);
  return codec;
}

export function encodingExists(name: string): boolean {
  return codecOf(String(name)) !== undefined;
}

const bytesOf = (input: Uint8Array | string): Uint8Array => (typeof input === 'string' ? Buffer.from(input, 'binary') : input);

/** A streaming UTF-32 decoder: the byte order is settled by the first complete units it sees. */
class Utf32Decoder {
  private pending = new Uint8Array(0);
  private littleEndian: boolean | undefined;

  constructor(encoding: string) {
    if (encoding === 'utf-32le') this.littleEndian = true;
    if (encoding === 'utf-32be') this.littleEndian = false;
  }

  decode(chunk: Uint8Array = new Uint8Array(0), options: { stream?: boolean } = {}): string {
    const bytes = new Uint8Array(this.pending.length + chunk.length);
    bytes.set(this.pending);
    bytes.set(chunk, this.pending.length);
    const whole = bytes.length - (bytes.length % 4);
    let start = 0;
    if (this.littleEndian === undefined && whole > 0) {
      if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) [this.littleEndian, start] = [true, 4];
      else if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) [this.littleEndian, start] = [false, 4];
      else {
        let le = 0;
        let be = 0;
        for (let i = 0; i + 3 < whole && i < 400; i += 4) {
          if (bytes[i + 3] === 0 && bytes[i] !== 0) le++;
          if (bytes[i] === 0 && bytes[i + 3] !== 0) be++;
        }
        this.littleEndian = le >= be;
      }
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let out = '';
    for (let i = start; i < whole; i += 4) {
      const point = view.getUint32(i, this.littleEndian);
      out += point <= 0x10ffff && (point < 0xd800 || point > 0xdfff) ? String.fromCodePoint(point) : '\ufffd';
    }
    this.pending = options.stream ? bytes.slice(whole) : new Uint8Array(0);
    if (!options.stream && whole < bytes.length) out += '\ufffd';
    return out;
  }
}

const decoderFor = (encoding: string): { decode(chunk?: Uint8Array, options?: { stream?: boolean }): string } =>
  encoding.startsWith('utf-32') ? new Utf32Decoder(encoding) : new TextDecoder(encoding);

export function decode(input: Uint8Array | string, name: string): string {
  const codec = getCodec(name);
  if (codec.decoder !== DBCS && codec.decoder !== SINGLE) return Buffer.from(bytesOf(input)).toString('utf8');
  return decoderFor(codec.encoding).decode(bytesOf(input));
}

/** An incremental decoder: characters split across chunks are held until their last byte arrives. */
export function getDecoder(name: string): { write(chunk: Uint8Array): string; end(): string | undefined } {
  const decoder = decoderFor(getCodec(name).encoding);
  return {
    write: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode() || undefined,
  };
}

/** encoding-japanese's `convert(bytes, { to: 'UNICODE', from, type: 'string' })`: the one form libmime calls. */
export function convert(input: Uint8Array | string, options: { from?: string }): string {
  const from = (options.from ?? '').toUpperCase();
  const encoding = /^EUC/.test(from) ? 'euc-jp' : /^(SJIS|SHIFT)/.test(from) ? 'shift_jis' : 'iso-2022-jp';
  return new TextDecoder(encoding).decode(bytesOf(input));
}

export default { getCodec, encodingExists, decode, getDecoder, convert };
