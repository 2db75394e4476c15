// he's `encode` (the one call mailparser makes of it, to build `textAsHtml` and the address HTML) in a few
// lines, with he's output: every character but printable ASCII, and the six HTML specials & < > " ' `,
// become a hexadecimal character reference (`&#xE9;`), except those he leaves as they are: line breaks, NUL
// and the C1 controls that windows-1252 gives a character (tests/functions/html-encode.test.ts checks every
// code point against he). he also ships the table of every named reference (85 KB
// minified) for its `useNamedReferences` option; a numeric reference is the same character to any reader,
// so that option is ignored. The email intake's bundle aliases `he` to this file
// (infra/function-bundle.ts); trustdesk itself reads neither of those HTML fields.

const ESCAPED = /[&<>"'`]|[^\x20-\x7E\n\r\0\x80\x82-\x8C\x8E\x91-\x9C\x9E\x9F]/gu;

export function encode(text: string, _options?: { useNamedReferences?: boolean }): string {
  return text.replace(ESCAPED, (c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`);
}

export default { encode };
