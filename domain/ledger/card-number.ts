// Whether a ledger value holds a card number. Stricter than the masking of what people write
// (domain/privacy/mask-card-data.ts), which leaves digits glued to letters alone so order ids stay readable:
// a payment system's field is machine-written, so any maximal run of 13–19 digits (spaces or dashes between
// them allowed) that passes the Luhn check — `tok_4111111111111111` as much as `4111 1111 1111 1111` — is
// refused. A numeric id of that length that happens to pass Luhn is refused too: one in ten such ids, which
// is why the ledger's ids are expected to carry a prefix (see the README's ledger event schema).
import { passesLuhn } from '../privacy/mask-card-data.ts';

const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

export function holdsCardNumber(value: string): boolean {
  for (const [run] of value.matchAll(DIGIT_RUN)) {
    const digits = run.replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits)) return true;
  }
  return false;
}
