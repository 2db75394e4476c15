// winmail.dat (TNEF, application/ms-tnef) unpacked into the files inside it. Outlook sends its rich
// text as TNEF when it believes the recipient is Outlook too, and every file the person attached then
// hides inside one winmail.dat that no other client (and no agent) can open. node-tnef, the one npm
// package for it, was checked and not taken: it logs through bunyan (with the native dtrace-provider)
// on every call, carries a yargs CLI and copies the buffer into an array of numbers. The part of the
// format this needs is small (MS-OXTNEF 2.1.3): a signature, then attributes of
// level · id · length · data · checksum; an attachment starts at attAttachRendData and has its name in
// attAttachTitle and its bytes in attAttachData. Anything else (message body, MAPI properties) is skipped.

export interface TnefFile {
  filename: string;
  content: Buffer;
}

const SIGNATURE = 0x223e9f78;
const LEVEL_ATTACHMENT = 0x02;
const ATT_ATTACH_REND_DATA = 0x00069002;
const ATT_ATTACH_TITLE = 0x00018010;
const ATT_ATTACH_DATA = 0x0006800f;
/** A winmail.dat holds what one email could; more than this is not one. */
const MAX_FILES = 50;

export const isTnef = (bytes: Buffer): boolean => bytes.length >= 6 && bytes.readUInt32LE(0) === SIGNATURE;

/** The files inside a TNEF stream; [] when it is not TNEF or holds none. Stops at the first damaged attribute. */
export function unpackTnef(bytes: Buffer): TnefFile[] {
  if (!isTnef(bytes)) return [];
  const files: { filename?: string; content?: Buffer }[] = [];
  let offset = 6; // signature (4) and the legacy key (2)
  while (offset + 9 <= bytes.length && files.length <= MAX_FILES) {
    const level = bytes.readUInt8(offset);
    const id = bytes.readUInt32LE(offset + 1);
    const length = bytes.readUInt32LE(offset + 5);
    const start = offset + 9;
    const end = start + length;
    if (end + 2 > bytes.length) break;
    const data = bytes.subarray(start, end);
    if (bytes.readUInt16LE(end) !== checksum(data)) break;
    offset = end + 2;
    if (level !== LEVEL_ATTACHMENT) continue;
    if (id === ATT_ATTACH_REND_DATA) files.push({});
    const current = files[files.length - 1];
    if (!current) continue;
    if (id === ATT_ATTACH_TITLE) current.filename = data.toString('latin1').replace(/\0+$/, '');
    if (id === ATT_ATTACH_DATA) current.content = Buffer.from(data);
  }
  return files
    .slice(0, MAX_FILES)
    .flatMap((f, i) => (f.content ? [{ filename: f.filename || `attachment-${i + 1}`, content: f.content }] : []));
}

function checksum(data: Buffer): number {
  let sum = 0;
  for (const byte of data) sum = (sum + byte) & 0xffff;
  return sum;
}
