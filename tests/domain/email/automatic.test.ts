import { describe, expect, it } from 'vitest';
import { classifyAutomatic, type AutomaticFacts } from '#domain/email/automatic.ts';

const person: AutomaticFacts = { headers: { subject: 'My coins are missing' }, from: 'sam@example.com', envelopeFrom: 'sam@example.com', deliveryReport: false };
const facts = (patch: Partial<AutomaticFacts> & { headers?: Record<string, string> }): AutomaticFacts => ({ ...person, ...patch, headers: { ...person.headers, ...patch.headers } });

describe('classifyAutomatic (RFC 3834)', () => {
  it('takes a person’s mail for a person’s, including Auto-Submitted: no and Precedence: normal', () => {
    expect(classifyAutomatic(person)).toEqual({ automatic: false });
    expect(classifyAutomatic(facts({ headers: { 'auto-submitted': 'no', precedence: 'normal' } }))).toEqual({ automatic: false });
  });

  it.each([
    ['auto-submitted', 'auto-replied', 'auto-reply'],
    ['auto-submitted', 'Auto-Generated', 'other'],
    ['auto-submitted', 'auto-notified; owner-email="x@y.com"', 'other'],
    ['precedence', 'bulk', 'other'],
    ['precedence', 'junk', 'other'],
    ['precedence', 'list', 'other'],
    ['precedence', 'auto_reply', 'auto-reply'],
    ['x-autoreply', 'yes', 'auto-reply'],
    ['x-autorespond', 'vacation', 'auto-reply'],
  ])('%s: %s is automatic (%s)', (name, value, kind) => {
    const verdict = classifyAutomatic(facts({ headers: { [name]: value } }));
    expect(verdict).toMatchObject({ automatic: true, kind });
  });

  it('treats a null return path, in the header or the envelope, as automatic', () => {
    expect(classifyAutomatic(facts({ headers: { 'return-path': '<>' } }))).toMatchObject({ automatic: true, reasons: ['null return path'] });
    expect(classifyAutomatic(facts({ envelopeFrom: '' }))).toMatchObject({ automatic: true, reasons: ['null return path'] });
  });

  it('treats mail from mailer-daemon or postmaster as automatic, and as a bounce when it says delivery failed', () => {
    expect(classifyAutomatic(facts({ from: 'mailer-daemon@mx.example.com' }))).toMatchObject({ automatic: true, kind: 'other' });
    expect(classifyAutomatic(facts({ from: 'postmaster@example.com', headers: { subject: 'Undeliverable: your message' } }))).toMatchObject({ automatic: true, kind: 'bounce' });
  });

  it('calls a delivery-status report a bounce whatever else it says', () => {
    expect(classifyAutomatic(facts({ deliveryReport: true, headers: { 'auto-submitted': 'auto-replied' } }))).toMatchObject({ automatic: true, kind: 'bounce' });
  });

  it('calls auto-generated mail with an out-of-office subject an auto-reply, in several languages', () => {
    for (const subject of ['Automatic reply: Coins', 'Out of Office: Coins', 'Abwesenheitsnotiz: Münzen', 'Respuesta automática: monedas', 'Réponse automatique : pièces', 'Resposta automática: moedas']) {
      expect(classifyAutomatic(facts({ headers: { 'auto-submitted': 'auto-generated', subject } }))).toMatchObject({ automatic: true, kind: 'auto-reply' });
    }
  });

  it('never calls a person automatic for an out-of-office-like subject alone', () => {
    expect(classifyAutomatic(facts({ headers: { subject: 'Out of office but my payout is missing' } }))).toEqual({ automatic: false });
  });

  it('names every reason it found', () => {
    const verdict = classifyAutomatic(facts({ headers: { 'auto-submitted': 'auto-replied', precedence: 'bulk', 'x-autoreply': 'yes' } }));
    expect(verdict).toEqual({ automatic: true, kind: 'auto-reply', reasons: ['Auto-Submitted: auto-replied', 'Precedence: bulk', 'X-Autoreply'] });
  });
});
