import { describe, expect, it } from 'vitest';
import { parseQuarantineQuery } from '#events/quarantine-query.ts';

describe('parseQuarantineQuery', () => {
  it('lists automatic mail, 25 at a time, unless told otherwise', () => {
    expect(parseQuarantineQuery(null)).toEqual({ ok: true, value: { kind: 'automatic', limit: 25 } });
    expect(parseQuarantineQuery({ kind: 'verdict', limit: '5', cursor: 'abc' })).toEqual({ ok: true, value: { kind: 'verdict', limit: 5, cursor: 'abc' } });
  });

  it('names every bad or unknown parameter', () => {
    const parsed = parseQuarantineQuery({ kind: 'spam', limit: '0', status: 'new' });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.map((p) => p.field)).toEqual(['status', 'kind', 'limit']);
  });
});
