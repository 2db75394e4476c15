// POST /incidents bodies: a one-line title, a message, an optional category; every bad or unknown field named.
import { describe, expect, it } from 'vitest';
import { parseNewIncident } from '#events/incident.ts';

describe('parseNewIncident', () => {
  it('accepts a title (trimmed), a message and a category', () => {
    expect(parseNewIncident({ title: '  Gift outage ', message: 'Gifts are not credited.\nSince 14:00.', category: 'gifts_coins' })).toEqual({
      ok: true,
      value: { title: 'Gift outage', message: 'Gifts are not credited.\nSince 14:00.', category: 'gifts_coins' },
    });
    expect(parseNewIncident({ title: 'Gift outage', message: 'm' })).toEqual({ ok: true, value: { title: 'Gift outage', message: 'm' } });
  });

  it('names every bad field, and each unknown one', () => {
    const parsed = parseNewIncident({ title: 'Two\nlines', message: ' ', category: 'gifts', linked: ['x'] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      { field: 'linked', message: 'is not a field of an incident' },
      { field: 'title', message: 'must be a single line of text' },
      { field: 'message', message: 'is required' },
      { field: 'category', message: expect.stringMatching(/^must be one of payment_dispute, /) },
    ]);
  });

  it('requires the title and the message', () => {
    const parsed = parseNewIncident({});
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.field)).toEqual(['title', 'message']);
  });
});
