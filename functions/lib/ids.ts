import { createHash, randomBytes, randomUUID } from 'node:crypto';

// Crockford base32 without I, L, O, U: easy to read aloud and to type.
const READABLE = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Case ids are random UUIDs: unguessable and not enumerable. */
export const newCaseId = (): string => randomUUID();

/** A short human reference like TD-7K3Q9X (32^6 ≈ 1.07e9; uniqueness is enforced at write). */
export function newReference(): string {
  const bytes = randomBytes(6);
  let out = 'TD-';
  for (const b of bytes) out += READABLE[b & 31];
  return out;
}

export const REFERENCE_PATTERN = /\bTD-[0-9A-HJKMNP-TV-Z]{6}\b/;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The secret a consult's email answer carries in its subject: 144 random bits, URL-safe. */
export const newConsultToken = (): string => randomBytes(18).toString('base64url');

/** Macro ids are random UUIDs. */
export const newMacroId = (): string => randomUUID();
