import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { splitQuotedHistory } from '#domain/email/quoted-history.ts';
import { MAIL_LIMITS, htmlToText, normalizeMessageId, parseMail, safeFilename } from '#lib/mail.ts';

type MailOptions = ConstructorParameters<typeof MailComposer>[0];

/** Real MIME, as a mail client would send it. */
const mime = (options: MailOptions): Promise<Buffer> =>
  new MailComposer({ to: 'support@trustdesk.local', date: new Date('2026-11-25T10:00:00Z'), ...options }).compile().build();

/** Replace one header of built MIME (for headers MailComposer would refuse to write). */
function withHeader(raw: Buffer, name: string, value: string): Buffer {
  const text = raw.toString('utf8');
  const replaced = text.replace(new RegExp(`^${name}: .*$`, 'm'), () => `${name}: ${value}`);
  if (replaced === text) throw new Error(`no ${name} header to replace`);
  return Buffer.from(replaced, 'utf8');
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('parseMail', () => {
  it('reads sender, subject, text, message id and an attachment', async () => {
    const pdf = Buffer.from('%PDF-1.4\nreceipt for order 42\n%%EOF\n');
    const raw = await mime({
      from: '"Alice Smith" <Alice.Smith@Example.COM>',
      subject: 'Charged twice for coins',
      text: 'Hello,\n\nI was charged twice on 2026-11-20.\nReceipt attached.',
      messageId: '<Unique-123@Mail.Example.com>',
      attachments: [{ filename: 'receipt.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    const mail = await parseMail(raw);
    expect(mail.from).toEqual({ email: 'alice.smith@example.com', name: 'Alice Smith' });
    expect(mail.subject).toBe('Charged twice for coins');
    expect(mail.text).toBe('Hello,\n\nI was charged twice on 2026-11-20.\nReceipt attached.');
    expect(mail.messageId).toBe('unique-123@mail.example.com');
    expect(mail.threadIds).toEqual([]);
    expect(mail).not.toHaveProperty('reference');
    expect(mail.attachments).toHaveLength(1);
    const [attachment] = mail.attachments;
    expect(attachment).toMatchObject({ filename: 'receipt.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha256(pdf) });
    expect(attachment!.content.equals(pdf)).toBe(true);
  });

  it('has no sender when the From address is longer than an address can be (254 characters)', async () => {
    const raw = Buffer.from(`From: <${'a'.repeat(3000)}@example.com>\r\nSubject: hi\r\n\r\nhello\r\n`);
    expect((await parseMail(raw)).from).toBeUndefined();
    const longest = `${'a'.repeat(64)}@${'d'.repeat(177)}.example.com`;
    expect(longest).toHaveLength(254);
    expect((await parseMail(Buffer.from(`From: <${longest}>\r\nSubject: hi\r\n\r\nhello\r\n`))).from?.email).toBe(longest);
  });

  it('hashes and sizes binary attachments by their decoded content', async () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256));
    const raw = await mime({ from: 'a@b.co', subject: 's', text: 't', attachments: [{ filename: 'screen.png', content: bytes, contentType: 'image/png' }] });
    const [attachment] = (await parseMail(raw)).attachments;
    expect(attachment).toMatchObject({ size: 3000, sha256: sha256(bytes), contentType: 'image/png', filename: 'screen.png' });
  });

  it('makes attachment filenames safe to use in an object key', async () => {
    const raw = await mime({
      from: 'a@b.co',
      subject: 's',
      text: 't',
      attachments: [
        { filename: '../../etc/passwd', content: 'root:x:0:0' },
        { filename: '..\\windows\\win.ini', content: 'x' },
        { filename: '.hidden', content: 'y' },
        { content: 'no name', contentType: 'text/csv', contentDisposition: 'attachment', filename: false },
      ],
    });
    const names = (await parseMail(raw)).attachments.map((a) => a.filename);
    expect(names).toHaveLength(4);
    for (const name of names) {
      expect(name).not.toMatch(/[/\\]/);
      expect(name.startsWith('.')).toBe(false);
    }
    expect(names[0]).toMatch(/etc_passwd$/);
    expect(names[3]).toBe('attachment-4');
  });

  it(`keeps at most ${MAIL_LIMITS.attachments} attachments`, async () => {
    const attachments = Array.from({ length: MAIL_LIMITS.attachments + 2 }, (_, i) => ({ filename: `f${i}.txt`, content: `file ${i}` }));
    const mail = await parseMail(await mime({ from: 'a@b.co', subject: 's', text: 't', attachments }));
    expect(mail.attachments.map((a) => a.filename)).toEqual(attachments.slice(0, MAIL_LIMITS.attachments).map((a) => a.filename));
  });

  it('turns an HTML-only mail into text without tags, scripts or styles', async () => {
    const raw = await mime({
      from: 'a@b.co',
      subject: 'html',
      html:
        '<html><head><style>p { color: red }</style><title>T</title></head><body>' +
        '<p>My <b>payout</b> is missing.</p><script>stealCookies("x")</script><p>Fish &amp; chips &lt;3</p></body></html>',
    });
    const mail = await parseMail(raw);
    expect(mail.text).toContain('My payout is missing.');
    expect(mail.text).toContain('Fish & chips <3');
    expect(mail.text).not.toMatch(/<\/?[a-z]/i);
    expect(mail.text).not.toContain('stealCookies');
    expect(mail.text).not.toContain('color: red');
  });

  it('drops the quoted history of a reply', async () => {
    const raw = await mime({
      from: 'a@b.co',
      subject: 'Re: [TD-7K3Q9X] Missing gift',
      text: 'Still not fixed, see screenshot.\n\nOn Tue, 24 Nov 2026 at 09:00, trustdesk <support@trustdesk.local> wrote:\n> We received your request\n> and opened case TD-7K3Q9X.',
    });
    expect((await parseMail(raw)).text).toBe('Still not fixed, see screenshot.');
  });

  it('normalises In-Reply-To and References to bare lower-case ids, nearest first, without duplicates', async () => {
    const raw = await mime({
      from: 'a@b.co',
      subject: 'Re: Re: help',
      text: 'third message',
      inReplyTo: '<Second@Mail.Example>',
      references: ['<First@Mail.Example>', '<Second@Mail.Example>'],
    });
    expect((await parseMail(raw)).threadIds).toEqual(['second@mail.example', 'first@mail.example']);
  });

  it('uses References alone when In-Reply-To is missing', async () => {
    const raw = await mime({ from: 'a@b.co', subject: 's', text: 't', references: ['<A@x>', '<B@x>', '<C@x>'] });
    expect((await parseMail(raw)).threadIds).toEqual(['c@x', 'b@x', 'a@x']);
  });

  it('finds the case reference in the subject', async () => {
    const mail = await parseMail(await mime({ from: 'a@b.co', subject: 'RE: [TD-7K3Q9X] We received your request', text: 't' }));
    expect(mail.reference).toBe('TD-7K3Q9X');
  });

  it.each(['TD-7K3Q9', 'TD-7K3Q9XY', 'TD-ILOU12', 'XTD-7K3Q9X', 'td-7k3q9x'])('does not take %j for a reference', async (subject) => {
    expect(await parseMail(await mime({ from: 'a@b.co', subject, text: 't' }))).not.toHaveProperty('reference');
  });

  it('has no sender when From is missing', async () => {
    const mail = await parseMail(await mime({ subject: 'no from', text: 'hello' }));
    expect(mail).not.toHaveProperty('from');
    expect(mail.text).toBe('hello');
  });

  it.each(['undisclosed-recipients:;', 'Alice', 'alice@', '@example.com', 'alice@localhost', '"Bob" <bob at example.com>'])(
    'has no sender for the From header %j',
    async (from) => {
      const raw = withHeader(await mime({ from: 'placeholder@example.com', subject: 's', text: 't' }), 'From', from);
      expect(raw.toString().split('\r\n')).toContain(`From: ${from}`);
      expect(await parseMail(raw)).not.toHaveProperty('from');
    },
  );

  it('collapses CR/LF smuggled into the subject through an encoded word', async () => {
    const raw = await mime({ from: 'a@b.co', headers: { Subject: { prepared: true, value: '=?UTF-8?Q?Refund=0D=0ABcc:_victim@example.com?=' } }, text: 't' });
    const mail = await parseMail(raw);
    expect(mail.subject).toBe('Refund Bcc: victim@example.com');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('collapses CR/LF and removes control characters in the sender name', async () => {
    const raw = await mime({ from: { name: 'Eve\r\nEvil\u0007', address: 'Eve@Example.com' }, subject: 's', text: 't' });
    expect(await parseMail(raw)).toMatchObject({ from: { email: 'eve@example.com', name: 'Eve Evil' } });
  });

  it(`cuts the subject at ${MAIL_LIMITS.subject} and the text at ${MAIL_LIMITS.text} characters`, async () => {
    const raw = await mime({ from: 'a@b.co', subject: 's'.repeat(500), text: 'word '.repeat(5000) });
    const mail = await parseMail(raw);
    expect(mail.subject).toHaveLength(MAIL_LIMITS.subject);
    expect(mail.text.length).toBeLessThanOrEqual(MAIL_LIMITS.text);
    expect(mail.text.length).toBeGreaterThan(MAIL_LIMITS.text - 10);
  });
});

const stripQuoted = (text: string) => splitQuotedHistory(text).newText;

describe('the new text of a reply (splitQuotedHistory)', () => {
  it('keeps everything when nothing is quoted', () => {
    expect(stripQuoted('a\n\nb')).toBe('a\n\nb');
  });

  it('cuts at an Outlook "Original Message" separator', () => {
    expect(stripQuoted('New text\r\n\r\n-----Original Message-----\r\nFrom: x\r\nold text')).toBe('New text');
  });

  it('drops interleaved quote lines and squeezes blank lines', () => {
    expect(stripQuoted('> quoted\nanswer one\n\n\n\n> more\nanswer two   \n')).toBe('answer one\n\nanswer two');
  });
});

// mailparser derives `text` from the HTML only for a single-part text/html message; when the HTML sits in a
// multipart body with no text part, it leaves `text` undefined and parseMail's own htmlToText must run.
describe('parseMail on HTML without a text part, where mailparser gives no text', () => {
  const html = '<html><body><p>My <b>payout</b> is missing.</p><div>Order&nbsp;#&lt;77&gt;<br>Fish &amp; chips</div></body></html>';
  const fromFallback = stripQuoted(htmlToText(html));

  it('reads an HTML body sent with an attachment (multipart/mixed)', async () => {
    const raw = await mime({ from: 'a@b.co', subject: 'receipt', html, attachments: [{ filename: 'receipt.pdf', content: Buffer.from('%PDF-1.4') }] });
    const mail = await parseMail(raw);
    expect(mail.text).toBe(fromFallback);
    expect(mail.text).toBe('My payout is missing.\nOrder #<77>\nFish & chips');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['receipt.pdf']);
  });

  it('reads an HTML body with an inline image (multipart/related)', async () => {
    const raw = await mime({
      from: 'a@b.co',
      subject: 'screenshot',
      html: html.replace('</body>', '<img src="cid:shot@client"></body>'),
      attachments: [{ filename: 'shot.png', cid: 'shot@client', content: Buffer.from('89504e470d0a1a0a', 'hex') }],
    });
    const mail = await parseMail(raw);
    expect(mail.text).toBe(fromFallback);
  });

  it('reads a multipart/alternative whose only alternative is HTML', async () => {
    const raw = Buffer.from(
      [
        'From: a@b.co',
        'To: support@trustdesk.local',
        'Subject: html only',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="alt"',
        '',
        '--alt',
        'Content-Type: text/html; charset=utf-8',
        '',
        html,
        '--alt--',
        '',
      ].join('\r\n'),
    );
    const mail = await parseMail(raw);
    expect(mail.text).toBe(fromFallback);
  });
});

describe('htmlToText', () => {
  it('keeps line structure, removes scripts, styles and head, decodes entities once', () => {
    const text = htmlToText('<head><title>x</title></head><style>b{}</style><p>One</p><div>Two<br/>Three</div><script>alert(1)</script>&amp;lt;&nbsp;&quot;&#39;');
    expect(text).toBe('One\nTwo\nThree\n&lt; "\'');
  });
});

describe('normalizeMessageId', () => {
  it('removes angle brackets and whitespace and lower-cases', () => {
    expect(normalizeMessageId('  <ABC.def@Mail.Example>  ')).toBe('abc.def@mail.example');
    expect(normalizeMessageId('abc@x')).toBe('abc@x');
  });
});

describe('safeFilename', () => {
  it.each([
    ['../../etc/passwd', '__.._etc_passwd'],
    ['a\\b', 'a_b'],
    ['report: Q3?.pdf', 'report_ Q3_.pdf'],
    ['...', '_'],
    ['line\r\nbreak.txt', 'line_break.txt'],
    ['', 'attachment'],
  ])('%j → %j', (name, expected) => {
    expect(safeFilename(name)).toBe(expected);
  });

  it('bounds the length', () => {
    expect(safeFilename(`${'x'.repeat(300)}.pdf`)).toHaveLength(120);
  });
});
