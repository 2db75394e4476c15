// Macros in the domain: the closed list of placeholders, rendering for one case with fallbacks for
// missing values, HTML escaping of every value and of the lead's own text, and fitting macros first.
import { describe, expect, it } from 'vitest';
import { changeProblems, orderForCase, placeholdersIn, renderHtml, renderText, unknownPlaceholders, valuesFor } from '#domain/macro.ts';

const kase = {
  requester: { email: 'ana@example.com', name: 'Ana <b>' },
  reference: 'TD-1234',
  subject: 'Coins missing',
  category: 'gifts_coins' as const,
  amount: 12.5,
  currency: 'USD',
  transactionId: undefined,
};

describe('placeholders', () => {
  it('lists the names a body uses once each, with or without spaces in the braces', () => {
    expect(placeholdersIn('Hi {{requester.name}}, {{ case.reference }} {{requester.name}}')).toEqual(['requester.name', 'case.reference']);
  });

  it('names every placeholder outside the closed list', () => {
    expect(unknownPlaceholders('Hi {{requester.name}} {{requester.phone}} {{ case.secret }}')).toEqual(['requester.phone', 'case.secret']);
    expect(unknownPlaceholders('Hi {{agent.name}}, plain { braces } stay')).toEqual([]);
  });
});

describe('rendering', () => {
  it('fills each placeholder with the case and agent values', () => {
    const values = valuesFor(kase, { name: 'Bo' });
    expect(renderText({ body: 'Hi {{requester.name}}, {{case.reference}}: {{case.amount}}. {{agent.name}}', fallbacks: {} }, values)).toBe('Hi Ana <b>, TD-1234: 12.50 USD. Bo');
  });

  it('renders a missing value as the fallback the macro states, or as nothing', () => {
    const values = valuesFor({ ...kase, requester: { email: 'x@example.com' }, amount: undefined }, {});
    const macro = { body: 'Hi {{requester.name}}; tx {{case.transactionId}}; {{case.amount}}', fallbacks: { 'requester.name': 'there', 'case.amount': 'the amount' } };
    expect(renderText(macro, values)).toBe('Hi there; tx ; the amount');
  });

  it('escapes every value and the body in the HTML form, keeping line breaks', () => {
    const values = valuesFor(kase, { name: '"Bo" & co' });
    const out = renderHtml({ body: '<i>Hi</i> {{requester.name}}\n{{agent.name}}', fallbacks: { 'requester.name': '<script>' } }, values).toString();
    expect(out).toBe('<p>&lt;i&gt;Hi&lt;/i&gt; Ana &lt;b&gt;<br>&quot;Bo&quot; &amp; co</p>');
  });

  it('escapes a fallback too', () => {
    const out = renderHtml({ body: '{{requester.name}}', fallbacks: { 'requester.name': '<img src=x>' } }, {}).toString();
    expect(out).toBe('<p>&lt;img src=x&gt;</p>');
  });
});

describe('fitting and changes', () => {
  it('offers macros naming the case category first, each group by name', () => {
    const macros = [
      { name: 'b', categories: [] },
      { name: 'z', categories: ['gifts_coins' as const] },
      { name: 'a', categories: [] },
      { name: 'c', categories: ['gifts_coins' as const] },
    ];
    expect(orderForCase(macros, 'gifts_coins').map((m) => m.name)).toEqual(['c', 'z', 'a', 'b']);
  });

  it('requires an outcome for resolve and allows it only there', () => {
    expect(changeProblems({ status: 'resolve' })).toEqual([{ field: 'changes.outcome', message: 'is required when status is resolve' }]);
    expect(changeProblems({ status: 'reply', outcome: 'resolved' })[0]?.field).toBe('changes.outcome');
    expect(changeProblems({ status: 'resolve', outcome: 'resolved' })).toEqual([]);
  });
});
