// Download headers: always `attachment`, an ASCII fallback name plus the exact name RFC 8187-encoded, and a
// content type only when it is a well-formed media type.
import { describe, expect, it } from 'vitest';
import { attachmentDisposition, downloadContentType, downloadName } from '#lib/content-disposition.ts';

describe('attachmentDisposition', () => {
  it('quotes a plain ASCII name as it is', () => {
    expect(attachmentDisposition('statement.pdf')).toBe('attachment; filename="statement.pdf"');
    expect(attachmentDisposition("it's (final).txt")).toBe(`attachment; filename="it's (final).txt"`);
  });

  it('adds filename* with the exact UTF-8 name when the ASCII fallback had to change it', () => {
    expect(attachmentDisposition('ünï (1).pdf')).toBe(`attachment; filename="_n_ (1).pdf"; filename*=UTF-8''%C3%BCn%C3%AF%20%281%29.pdf`);
    expect(attachmentDisposition('日本.eml')).toBe(`attachment; filename="__.eml"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.eml`);
    expect(attachmentDisposition('100% "sure".txt')).toBe(`attachment; filename="100_ _sure_.txt"; filename*=UTF-8''100%25%20%22sure%22.txt`);
  });

  it('never lets a name break out of the header or name a path', () => {
    for (const name of ['a\r\nSet-Cookie: x=1.txt', 'evil"; filename="x.html', '..\\..\\boot.ini', '../../etc/passwd']) {
      const value = attachmentDisposition(name);
      expect(value).toMatch(/^attachment; filename="[\x20-\x21\x23-\x7e]*"(; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+)?$/);
      expect(value).not.toMatch(/[/\\]/);
    }
  });
});

describe('downloadName', () => {
  it('replaces separators and control characters, a leading dot, and an empty name', () => {
    expect(downloadName('../a/b.txt')).toBe('__a_b.txt');
    expect(downloadName('.htaccess')).toBe('_htaccess');
    expect(downloadName('tab\there')).toBe('tab_here');
    expect(downloadName('')).toBe('attachment');
  });
});

describe('downloadContentType', () => {
  it('keeps a well-formed media type with its parameters', () => {
    expect(downloadContentType('application/pdf')).toBe('application/pdf');
    expect(downloadContentType('text/csv; charset="utf-8"')).toBe('text/csv; charset="utf-8"');
  });

  it.each(['', 'pdf', 'text/html\r\nX-Injected: 1', 'text/plain; charset', 'a/b c'])('sends %j as application/octet-stream', (type) => {
    expect(downloadContentType(type)).toBe('application/octet-stream');
  });
});
