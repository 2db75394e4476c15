// How a download is named and typed in the response headers. `Content-Disposition: attachment` (RFC 6266) so a
// browser saves the file and never renders it inline — an attachment is whatever a stranger mailed in, and an
// HTML or SVG one shown in our origin's context would run its script. The filename goes out twice: an ASCII
// `filename="…"` fallback (quotes, backslashes, control and non-ASCII characters replaced) and the exact name
// as `filename*=UTF-8''…` (RFC 8187/5987 percent-encoding), which every current browser prefers. A content type
// that is not a well-formed `type/subtype` (with parameters) becomes application/octet-stream, so a header is never built
// from a mailed-in string that is not one.

const CONTROL_OR_SEPARATOR = /[\p{Cc}\\/]/gu;
/** RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~". */
const NOT_ATTR_CHAR = /[^A-Za-z0-9!#$&+\-.^_`|~]/g;
const TOKEN = "[A-Za-z0-9!#$%&'*+\\-.^_`|~]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\p{Cc}]*"))*$`, 'u');
const MAX_NAME = 180;

/** The name a saved file gets: no path separators or control characters, no leading dot, not empty. */
export function downloadName(filename: string): string {
  return [...filename.replace(CONTROL_OR_SEPARATOR, '_').replace(/^\.+/, '_').trim()].slice(0, MAX_NAME).join('') || 'attachment';
}

/** `attachment; filename="ascii"` plus `filename*=UTF-8''…` when the name is not plain ASCII. */
export function attachmentDisposition(filename: string): string {
  const name = downloadName(filename);
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  if (ascii === name) return `attachment; filename="${ascii}"`;
  const encoded = [...new TextEncoder().encode(name)].map((b) => String.fromCharCode(b)).join('');
  const starred = encoded.replace(NOT_ATTR_CHAR, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${starred}`;
}

/** The stored content type when it is a well-formed `type/subtype[; name=value]…`, else application/octet-stream. */
export function downloadContentType(contentType: string): string {
  const trimmed = contentType.trim();
  return MEDIA_TYPE.test(trimmed) ? trimmed : 'application/octet-stream';
}
