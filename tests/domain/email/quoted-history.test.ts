import { describe, expect, it } from 'vitest';
import { forwardedSender, splitQuotedHistory } from '#domain/email/quoted-history.ts';

const NEW = 'The gift id is g-778, sent during the Friday stream.';
const cut = (history: string, before = NEW) => splitQuotedHistory(`${before}\n\n${history}`);

describe('splitQuotedHistory', () => {
  it.each([
    ['Gmail en', 'On Mon, 1 Dec 2026 at 10:00, Trust Team <support@trustdesk.local> wrote:\n> We received your request'],
    ['Gmail en, wrapped', 'On Mon, 1 Dec 2026 at 10:00, Trust & Experience team <support@trustdesk.local>\nwrote:\n\n> We received your request'],
    ['Apple Mail en', 'On 1 Dec 2026, at 10:00, Trust Team <support@trustdesk.local> wrote:\n\n> We received'],
    ['Thunderbird', 'On 12/1/26 10:00, Trust Team wrote:\n> We received'],
    ['Yahoo', 'On Monday, December 1, 2026 at 10:00:00 AM GMT, Trust Team <support@trustdesk.local> wrote:\n\n\nWe received your request'],
    ['Gmail es', 'El lun, 1 dic 2026 a las 10:00, Trust Team (<support@trustdesk.local>) escribió:\n> Recibimos'],
    ['Gmail pt', 'Em seg., 1 de dez. de 2026 às 10:00, Trust Team <support@trustdesk.local> escreveu:\n> Recebemos'],
    ['Gmail fr', 'Le lun. 1 déc. 2026 à 10:00, Trust Team <support@trustdesk.local> a écrit :\n> Nous avons reçu'],
    ['Gmail de', 'Am Mo., 1. Dez. 2026 um 10:00 Uhr schrieb Trust Team <support@trustdesk.local>:\n> Wir haben'],
    ['Apple Mail de', 'Am 01.12.2026 um 10:00 schrieb Trust Team <support@trustdesk.local>:\n\n> Wir haben'],
    ['Outlook desktop', 'From: Trust Team <support@trustdesk.local>\nSent: Monday, December 1, 2026 10:00 AM\nTo: Sam <sam@example.com>\nSubject: [TD-1] We received your request\n\nHello,'],
    ['Outlook web', '________________________________\nFrom: Trust Team <support@trustdesk.local>\nSent: Monday, December 1, 2026 10:00\nTo: sam@example.com\nSubject: We received'],
    ['Outlook de', 'Von: Trust Team <support@trustdesk.local>\nGesendet: Montag, 1. Dezember 2026 10:00\nAn: sam@example.com\nBetreff: Wir haben'],
    ['Outlook es', 'De: Trust Team <support@trustdesk.local>\nEnviado: lunes, 1 de diciembre de 2026 10:00\nPara: sam@example.com\nAsunto: Recibimos'],
    ['Outlook fr', 'De : Trust Team <support@trustdesk.local>\nEnvoyé : lundi 1 décembre 2026 10:00\nÀ : sam@example.com\nObjet : Nous avons reçu'],
    ['Original Message', '-----Original Message-----\nFrom: Trust Team\nWe received'],
    ['Android/Samsung', '-------- Original message --------\nFrom: Trust Team <support@trustdesk.local>\nDate: 12/1/26 10:00\nWe received'],
    ['Forwarded', '---------- Forwarded message ---------\nFrom: Trust Team\nWe received'],
  ])('cuts the %s history and keeps what was written', (_, history) => {
    const split = cut(history);
    expect(split.newText).toBe(NEW);
    expect(split.quoted).toBe(true);
    expect(split.fullText).toContain(history.split('\n')[0]!.trim());
  });

  it('drops >-quoted lines wherever they are, keeping the lines written between them', () => {
    expect(splitQuotedHistory('> What is the gift id?\ng-778\n> And when?\nFriday').newText).toBe('g-778\nFriday');
  });

  it.each(['Sent from my iPhone', 'Sent from my Samsung Galaxy smartphone.', 'Get Outlook for Android', 'Enviado desde mi iPhone', 'Enviado do meu iPhone', 'Envoyé de mon iPhone', 'Von meinem iPhone gesendet', 'Sent from Yahoo Mail for iPhone'])(
    'drops the mobile signature "%s" under the new text',
    (signature) => {
      expect(cut("On Mon, 1 Dec 2026, Trust Team wrote:\n> old", `${NEW}\n\n${signature}`).newText).toBe(NEW);
      expect(splitQuotedHistory(`${NEW}\n\n${signature}`).newText).toBe(NEW);
    },
  );

  it('leaves a message without history as it is', () => {
    const text = 'From: the creator dashboard I see no payout.\nSent: nothing arrived\n\nThanks';
    expect(splitQuotedHistory(text)).toEqual({ newText: text, fullText: text, quoted: false });
  });

  it('does not take a sentence that mentions writing for an attribution line', () => {
    const text = 'On Monday my friend wrote to you too.\nShe never got an answer.';
    expect(splitQuotedHistory(text).newText).toBe(text);
  });

  it('keeps the full text with its history, line endings normalised', () => {
    const split = splitQuotedHistory('Yes.\r\n\r\nOn Mon, Trust Team wrote:\r\n> Is it g-778?');
    expect(split).toEqual({ newText: 'Yes.', fullText: 'Yes.\n\nOn Mon, Trust Team wrote:\n> Is it g-778?', quoted: true });
  });
});

describe('forwardedSender', () => {
  it.each([
    ['Gmail', 'FYI\n\n---------- Forwarded message ---------\nFrom: Sam Rivera <Sam@Example.com>\nDate: Mon, 1 Dec 2026\nSubject: Payout'],
    ['Apple Mail', 'Begin forwarded message:\n\nFrom: Sam Rivera <sam@example.com>\nSubject: Payout'],
    ['Outlook', 'See below\n\n________________________________\nFrom: Sam Rivera <sam@example.com>\nSent: Monday\nTo: me'],
    ['Outlook (bold markers)', '-----Original Message-----\n*From:* "Sam Rivera" [mailto:sam@example.com]\n*Sent:* Monday'],
    ['Thunderbird de', '-------- Weitergeleitete Nachricht --------\nBetreff: Auszahlung\nVon: Sam Rivera <sam@example.com>'],
  ])('reads the original sender of a %s forward', (_, text) => {
    expect(forwardedSender(text)).toEqual({ email: 'sam@example.com', name: 'Sam Rivera' });
  });

  it('reads a bare address and finds nothing in a message that was not forwarded', () => {
    expect(forwardedSender('---------- Forwarded message ---------\nFrom: sam@example.com\n')).toEqual({ email: 'sam@example.com' });
    expect(forwardedSender('From: the app I see nothing.\nThanks')).toBeUndefined();
  });
});
