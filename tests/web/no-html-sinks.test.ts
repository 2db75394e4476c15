// Every user-supplied string reaches the page as text: the pages' code has no HTML sink at all (and the
// CSP's Trusted Types rule would refuse one at run time).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/src');
const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(src, f));
const SINKS = /\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|document\.write|DOMParser|srcdoc|eval)\b|new Function\b/;

describe('web/src', () => {
  it.each(files.map((f) => [path.relative(src, f), f]))('%s writes no HTML from strings', (_name, file) => {
    const hits = readFileSync(file, 'utf8')
      .split('\n')
      .map((line, i) => [i + 1, line] as const)
      .filter(([, line]) => SINKS.test(line) && !line.trim().startsWith('//'));
    expect(hits).toEqual([]);
  });
});
