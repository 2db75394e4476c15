// The one HTML escaper: the specials (and the backtick) escaped, everything else kept; the `html` tag
// escapes every value it is given but inserts fragments it built itself as they are.
import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../domain/html.ts';

describe('escapeHtml', () => {
  it('escapes the five HTML specials and the backtick', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(undefined)).toBe('');
  });

  it('leaves every other character alone and escapes an existing entity again', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a> ü ✓`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt; ü ✓');
  });
});

describe('html', () => {
  it('escapes interpolated text but not its own markup', () => {
    expect(html`<p title="${'"x"'}">${'<b>&'}</p>`.toString()).toBe('<p title="&quot;x&quot;">&lt;b&gt;&amp;</p>');
  });

  it('inserts fragments it built as they are, lists joined, nothing for null or undefined', () => {
    const items = ['<1>', '2'].map((n) => html`<li>${n}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${7}`.toString()).toBe('<ul><li>&lt;1&gt;</li><li>2</li></ul>7');
  });

  it('escapes a string that looks like markup: only a fragment from the tag is trusted', () => {
    const forged = { toString: () => '<script>' } as unknown as string;
    expect(html`${forged}`.toString()).toBe('&lt;script&gt;');
  });
});
