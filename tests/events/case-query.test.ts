// GET /cases query string: defaults, filters as typed values, blank filters ignored, and every bad or
// unknown parameter named (unknown ones first) with the message the agent API has always given.
import { describe, expect, it } from 'vitest';
import { AttachmentPathSchema, CasePathSchema, parseCaseQuery } from '#events/case-query.ts';
import { parsePath } from '#events/request.ts';

describe('parseCaseQuery', () => {
  it('pages 25 at a time with no filter when nothing is given', () => {
    expect(parseCaseQuery(null)).toEqual({ ok: true, value: { limit: 25, filter: {} } });
    expect(parseCaseQuery({})).toEqual({ ok: true, value: { limit: 25, filter: {} } });
  });

  it('reads every filter, the cursor and the limit', () => {
    const parsed = parseCaseQuery({ limit: '50', cursor: 'abc', status: 'new', priority: 'P1', category: 'refund', assignee: 'none', breached: 'true' });
    expect(parsed).toEqual({
      ok: true,
      value: { limit: 50, cursor: 'abc', filter: { status: 'new', priority: 'P1', category: 'refund', assignee: 'none', breached: true } },
    });
    expect(parseCaseQuery({ breached: 'false' })).toEqual({ ok: true, value: { limit: 25, filter: { breached: false } } });
  });

  it('treats a blank parameter as absent', () => {
    expect(parseCaseQuery({ limit: '', cursor: '', status: '', priority: '', category: '', assignee: '', breached: '' })).toEqual({ ok: true, value: { limit: 25, filter: {} } });
  });

  it.each(['0', '101', '2.5', 'abc', '-1'])('refuses the limit %s', (limit) => {
    expect(parseCaseQuery({ limit })).toEqual({ ok: false, problems: [{ field: 'limit', message: 'must be a whole number from 1 to 100' }] });
  });

  it('names every bad parameter, unknown ones first, even when they are blank', () => {
    const parsed = parseCaseQuery({ status: 'nope', sort: 'asc', limit: '0', assignee: 'a b', breached: 'yes', priority: 'p1', category: 'x', page: '' });
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { field: 'sort', message: 'is not a filter this API knows' },
        { field: 'page', message: 'is not a filter this API knows' },
        { field: 'limit', message: 'must be a whole number from 1 to 100' },
        { field: 'status', message: expect.stringMatching(/^must be one of new, investigating/) },
        { field: 'priority', message: 'must be one of P1, P2, P3, P4' },
        { field: 'category', message: expect.stringMatching(/^must be one of payment_dispute, /) },
        { field: 'breached', message: 'must be one of true, false' },
        { field: 'assignee', message: "must be an agent id or 'none'" },
      ],
    });
  });

  it('takes a parameter named like an Object.prototype member for an unknown one', () => {
    expect(parseCaseQuery({ constructor: 'x' })).toEqual({ ok: false, problems: [{ field: 'constructor', message: 'is not a filter this API knows' }] });
  });
});

describe('parseCaseQuery q (search)', () => {
  it('reads a trimmed search term with a limit', () => {
    expect(parseCaseQuery({ q: '  TD-7K3Q9X ', limit: '5' })).toEqual({ ok: true, value: { limit: 5, q: 'TD-7K3Q9X', filter: {} } });
  });

  it('refuses a term combined with a filter or a cursor, naming q and them', () => {
    expect(parseCaseQuery({ q: 'x', status: 'new', cursor: 'abc' })).toEqual({ ok: false, problems: [{ field: 'q', message: 'is a search by an exact key and cannot be combined with status, cursor' }] });
  });

  it('refuses a term of spaces or over 200 characters', () => {
    expect(parseCaseQuery({ q: '   ' })).toMatchObject({ ok: false, problems: [{ field: 'q', message: 'must be 1 to 200 characters' }] });
    expect(parseCaseQuery({ q: 'x'.repeat(201) })).toMatchObject({ ok: false, problems: [{ field: 'q' }] });
  });
});

describe('CasePathSchema', () => {
  it('reads the case id and names it when it is missing', () => {
    expect(parsePath(CasePathSchema, { caseId: 'c-1' })).toEqual({ ok: true, value: { caseId: 'c-1' } });
    expect(parsePath(CasePathSchema, null)).toEqual({ ok: false, problems: [{ field: 'caseId', message: 'is required' }] });
  });
});

describe('AttachmentPathSchema', () => {
  it('reads n as a number counted from 1', () => {
    expect(parsePath(AttachmentPathSchema, { caseId: 'c-1', n: '1' })).toEqual({ ok: true, value: { caseId: 'c-1', n: 1 } });
    expect(parsePath(AttachmentPathSchema, { caseId: 'c-1', n: '12' })).toEqual({ ok: true, value: { caseId: 'c-1', n: 12 } });
  });

  it.each(['0', '-1', '1.5', 'abc', '01', '1e3', ' 1', '', '1234567'])('names n when it is %j', (n) => {
    expect(parsePath(AttachmentPathSchema, { caseId: 'c-1', n })).toEqual({ ok: false, problems: [{ field: 'n', message: 'must be a whole number from 1 (the first attachment)' }] });
  });
});
