// GET /reports/current query string: daily unless weekly is asked for; anything else named in the 400.
import { describe, expect, it } from 'vitest';
import { parseReportQuery } from '#events/report-query.ts';

describe('parseReportQuery', () => {
  it('is the daily report without a cadence, and either cadence when given', () => {
    expect(parseReportQuery(null)).toEqual({ ok: true, value: { cadence: 'daily' } });
    expect(parseReportQuery({ cadence: 'daily' })).toEqual({ ok: true, value: { cadence: 'daily' } });
    expect(parseReportQuery({ cadence: 'weekly' })).toEqual({ ok: true, value: { cadence: 'weekly' } });
  });

  it.each(['', 'Daily', 'monthly'])('refuses the cadence %j', (cadence) => {
    expect(parseReportQuery({ cadence })).toEqual({ ok: false, problems: [{ field: 'cadence', message: 'must be daily or weekly' }] });
  });

  it('names unknown parameters first, then a bad cadence', () => {
    expect(parseReportQuery({ from: '2026-01-01', cadence: 'hourly', to: '' })).toEqual({
      ok: false,
      problems: [
        { field: 'from', message: 'is not a parameter this API knows' },
        { field: 'to', message: 'is not a parameter this API knows' },
        { field: 'cadence', message: 'must be daily or weekly' },
      ],
    });
  });
});
