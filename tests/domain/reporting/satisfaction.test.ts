// What the aggregator counts of ratings (count, sum, per score, under the case's category) and how the report
// shows them: average and count, per score and per category.
import { describe, expect, it } from 'vitest';
import type { CaseEvent } from '#domain/case.ts';
import { countersFor, type CaseDims } from '#domain/reporting/aggregate.ts';
import { buildReport } from '#domain/reporting/report.ts';
import { renderHtml } from '#domain/reporting/render-html.ts';
import { renderText } from '#domain/reporting/render-text.ts';
import { baseInput, day, PERIOD, row } from './fixtures.ts';

const dims: CaseDims = { category: 'payout', priority: 'P3', channel: 'web', openedAt: '2026-04-15T16:00:00.000Z' };
const rated = (rating: unknown): CaseEvent => ({ caseId: 'c', version: 5, type: 'satisfaction.rated', at: '2026-04-16T17:00:00.000Z', actor: { kind: 'requester', email: 'a@example.com' }, data: { rating, resolution: 1 } });

describe('satisfaction counters', () => {
  it('counts a rating with its score', () => {
    expect(countersFor({ event: rated(4), dims })).toEqual({ ratings: 1, ratings_sum: 4, ratings_4: 1 });
  });
  it('counts nothing for a score outside 1–5', () => {
    expect(countersFor({ event: rated(7), dims })).toEqual({});
    expect(countersFor({ event: rated('5'), dims })).toEqual({});
  });
});

describe('satisfaction in the report', () => {
  it('shows count, average, per score and per category', () => {
    const report = buildReport(
      baseInput({
        current: [
          row(day(PERIOD, 'payout'), { ratings: 2, ratings_sum: 9, ratings_4: 1, ratings_5: 1 }),
          row(day(PERIOD, 'refund'), { ratings: 1, ratings_sum: 1, ratings_1: 1 }),
        ],
        previous: [],
      }),
    );
    expect(report.satisfaction.ratings.current).toBe(3);
    expect(report.satisfaction.average.current).toBe(3.33);
    expect(report.satisfaction.byScore).toEqual([
      { score: 1, count: 1 },
      { score: 2, count: 0 },
      { score: 3, count: 0 },
      { score: 4, count: 1 },
      { score: 5, count: 1 },
    ]);
    expect(report.satisfaction.byCategory.map((c) => [c.id, c.ratings, c.average])).toEqual([
      ['payout', 2, 4.5],
      ['refund', 1, 1],
    ]);
    const text = renderText(report);
    expect(text).toContain('SATISFACTION');
    expect(text).toMatch(/Average rating\s+3\.3/);
    const page = renderHtml(report);
    expect(page).toContain('Satisfaction');
    expect(page).toMatch(/Average rating<\/td>[\s\S]*?3\.3/);
  });

  it('has no average without ratings', () => {
    const report = buildReport(baseInput({ current: [], previous: [] }));
    expect(report.satisfaction.ratings.current).toBe(0);
    expect(report.satisfaction.average.current).toBeNull();
    expect(renderText(report)).toContain('No ratings.');
  });
});
