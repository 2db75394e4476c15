// Which resolutions ask for a rating, and recording one: once per resolution, the event and the case field.
import { describe, expect, it } from 'vitest';
import { asksForRating, checkRateable, rateResolution, RatingRefused } from '#domain/satisfaction.ts';
import { sampleCase, NOW } from '../functions/fakes.ts';

const resolved = (over = {}) => sampleCase({ status: 'resolved', outcome: 'resolved', resolutions: 1, version: 3, ...over });

describe('asksForRating', () => {
  it('asks for a resolution of a requester case, not for duplicates, incidents or erased requesters', () => {
    const c = resolved();
    expect(asksForRating(c, 'resolved')).toBe(true);
    expect(asksForRating(c, 'false_positive')).toBe(true);
    expect(asksForRating(c, 'duplicate')).toBe(false);
    expect(asksForRating({ ...c, channel: 'system' }, 'resolved')).toBe(false);
    expect(asksForRating({ ...c, incident: { key: 'k', linkedCaseIds: [], lastHour: 9, baseline: 1 } }, 'resolved')).toBe(false);
    expect(asksForRating({ ...c, erased: { at: NOW.toISOString(), reason: 'request', erasureId: 'e' } }, 'resolved')).toBe(false);
  });
});

describe('rateResolution', () => {
  it('records the rating as satisfaction.rated and the case field, by the requester, without moving the lifecycle', () => {
    const c = resolved();
    const { record, event } = rateResolution(c, { rating: 4, comment: '  quick and kind  ', resolution: 1 }, NOW);
    expect(event).toMatchObject({ type: 'satisfaction.rated', version: 4, data: { rating: 4, comment: 'quick and kind', resolution: 1 }, actor: { kind: 'requester', email: c.requester.email } });
    expect(record.satisfaction).toEqual({ rating: 4, comment: 'quick and kind', ratedAt: NOW.toISOString(), resolution: 1 });
    expect(record.lifecycleVersion).toBe(c.lifecycleVersion);
    expect(record.status).toBe('resolved');
  });

  it('leaves an empty comment out', () => {
    const { event, record } = rateResolution(resolved(), { rating: 2, comment: '   ', resolution: 1 }, NOW);
    expect(event.data).toEqual({ rating: 2, resolution: 1 });
    expect(record.satisfaction).not.toHaveProperty('comment');
  });

  it('refuses a second rating of the same resolution, and a link of an earlier one', () => {
    const rated = rateResolution(resolved(), { rating: 5, resolution: 1 }, NOW).record;
    expect(() => rateResolution(rated, { rating: 1, resolution: 1 }, NOW)).toThrow(expect.objectContaining({ reason: 'already-rated' }));
    const reResolved = { ...rated, resolutions: 2 };
    expect(() => checkRateable(reResolved, 1)).toThrow(RatingRefused);
    expect(() => checkRateable(resolved({ resolutions: 2 }), 1)).toThrow(expect.objectContaining({ reason: 'superseded' }));
    // The second resolution asks again.
    expect(rateResolution(reResolved, { rating: 3, resolution: 2 }, NOW).record.satisfaction).toMatchObject({ rating: 3, resolution: 2 });
  });

  it('refuses a duplicate or an incident even with a valid link', () => {
    expect(() => checkRateable(resolved({ outcome: 'duplicate' }), 1)).toThrow(expect.objectContaining({ reason: 'not-rateable' }));
    expect(() => checkRateable(resolved({ channel: 'system' }), 1)).toThrow(expect.objectContaining({ reason: 'not-rateable' }));
  });
});
