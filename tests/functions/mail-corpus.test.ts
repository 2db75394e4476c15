import { describe, expect, it } from 'vitest';
import { parseMail, type ParsedMail } from '#lib/mail.ts';
import { checkedFields, corpus, type Expected } from '../fixtures/mail/corpus.ts';

/** The value parseMail gives for one sidecar field, shaped like the sidecar's. */
function actual(mail: ParsedMail, field: keyof Expected): unknown {
  switch (field) {
    case 'from':
      return mail.from ?? null;
    case 'fullTextContains':
      return mail.fullText;
    case 'automatic':
      return mail.automatic.automatic ? mail.automatic.kind : false;
    case 'attachments':
      return mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size }));
    case 'attachmentNames':
      return mail.attachments.map((a) => a.filename);
    case 'deliveryReport': {
      const r = mail.deliveryReport;
      return r && { ...r.recipients[0], originalMessageId: r.originalMessageId };
    }
    default:
      return mail[field as keyof ParsedMail];
  }
}

describe('the mail corpus, read by parseMail', () => {
  it('holds the shapes of the common clients and mail servers', () => {
    const clients = corpus.map((m) => m.expected.client).join('\n');
    for (const shape of ['Gmail', 'Outlook desktop', 'Outlook on the web', 'Apple Mail', 'iOS', 'Android', 'Thunderbird', 'Yahoo', 'Postfix bounce', 'Exim bounce', 'Exchange Online NDR', 'Gmail bounce', 'Exchange out-of-office', 'Gmail vacation', 'windows-1252', 'ISO-2022-JP', 'GB2312', 'TNEF']) {
      expect(clients).toContain(shape);
    }
  });

  describe.each(corpus)('$name', ({ raw, expected }) => {
    it.each(checkedFields(expected))('reads %s', async (field) => {
      const mail = await parseMail(raw);
      const got = actual(mail, field as keyof Expected);
      if (field === 'fullTextContains') expect(got).toContain(expected.fullTextContains);
      else expect(got).toEqual(expected[field as keyof Expected]);
    });
  });
});
