// The rating links' tokens: signed, bound to case and resolution, expiring; and the use case that records a
// rating once through the store's version check (a confirmation that loses a race is told it is rated).
import { describe, expect, it } from 'vitest';
import { RatingRefusedError } from '#lib/errors.ts';
import { ratingLinkDays, ratingLinks, RatingLinkError, signRatingToken, verifyRatingToken } from '#lib/rating-links.ts';
import { promptRating, recordRating } from '#lib/use-cases/rate-case.ts';
import type { SigningKey } from '#lib/ports.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleCase } from './fakes.ts';

const keyOf = (text: string): SigningKey => ({ key: async () => new TextEncoder().encode(text) });
const KEY = keyOf('k'.repeat(64));
const DAY = 86_400_000;

describe('rating tokens', () => {
  it('round-trips the case and resolution until it expires', async () => {
    const token = await signRatingToken(KEY, { caseId: 'c-1', resolution: 2 }, NOW, 30);
    expect(await verifyRatingToken(KEY, token, new Date(NOW.getTime() + 29 * DAY))).toEqual({ caseId: 'c-1', resolution: 2 });
    await expect(verifyRatingToken(KEY, token, new Date(NOW.getTime() + 31 * DAY))).rejects.toEqual(new RatingLinkError('expired'));
  });

  it('refuses another key, a tampered payload and garbage as forged', async () => {
    const token = await signRatingToken(KEY, { caseId: 'c-1', resolution: 1 }, NOW, 30);
    await expect(verifyRatingToken(keyOf('x'.repeat(64)), token, NOW)).rejects.toMatchObject({ reason: 'forged' });
    const [h, , s] = token.split('.');
    const other = Buffer.from(JSON.stringify({ caseId: 'c-2', resolution: 1, aud: 'trustdesk-rating', exp: 9_999_999_999 })).toString('base64url');
    await expect(verifyRatingToken(KEY, `${h}.${other}.${s}`, NOW)).rejects.toMatchObject({ reason: 'forged' });
    await expect(verifyRatingToken(KEY, 'garbage', NOW)).rejects.toMatchObject({ reason: 'forged' });
  });

  it('makes five links, one per score, with the same token', async () => {
    const links = await ratingLinks(KEY, 'https://help.example.com/v1/ratings', { caseId: 'c-1', resolution: 1 }, NOW, 30);
    expect(links.map((l) => l.score)).toEqual([1, 2, 3, 4, 5]);
    const urls = links.map((l) => new URL(l.url));
    expect(urls.every((u) => u.pathname === '/v1/ratings')).toBe(true);
    expect(new Set(urls.map((u) => u.searchParams.get('token'))).size).toBe(1);
    expect(urls.map((u) => u.searchParams.get('score'))).toEqual(['1', '2', '3', '4', '5']);
  });

  it('checks the configured lifetime', () => {
    expect(ratingLinkDays('30')).toBe(30);
    expect(() => ratingLinkDays('0')).toThrow(/RATING_LINK_DAYS/);
    expect(() => ratingLinkDays('2.5')).toThrow(/RATING_LINK_DAYS/);
  });
});

describe('recordRating', () => {
  const setup = async () => {
    const store = new InMemoryCaseStore();
    const record = sampleCase({ status: 'resolved', outcome: 'resolved', resolutions: 1 });
    store.cases.set(record.caseId, record);
    const token = await signRatingToken(KEY, { caseId: record.caseId, resolution: 1 }, NOW, 30);
    return { store, record, token, deps: { store, key: KEY, clock: new FixedClock(NOW) } };
  };

  it('records once; a second confirmation is refused and changes nothing', async () => {
    const { store, record, token, deps } = await setup();
    expect(await promptRating(deps, { token, score: 4 })).toEqual({ reference: record.reference, score: 4 });
    expect(await recordRating(deps, { token, score: 4, comment: 'thanks' })).toEqual({ reference: record.reference, score: 4 });
    const after = store.cases.get(record.caseId)!;
    await expect(recordRating(deps, { token, score: 1 })).rejects.toMatchObject({ status: 409, code: 'already_rated' });
    await expect(promptRating(deps, { token, score: 1 })).rejects.toMatchObject({ status: 409, code: 'already_rated' });
    expect(store.cases.get(record.caseId)).toEqual(after);
    expect(store.events.get(record.caseId)?.filter((e) => e.type === 'satisfaction.rated')).toHaveLength(1);
  });

  it('makes two racing confirmations one rating', async () => {
    const { store, record, token, deps } = await setup();
    let raced = false;
    store.beforeWrite = async () => {
      if (raced) return;
      raced = true;
      // Another confirmation lands first.
      await recordRating(deps, { token, score: 5 });
    };
    await expect(recordRating(deps, { token, score: 2 })).rejects.toMatchObject({ code: 'already_rated' });
    expect(store.cases.get(record.caseId)?.satisfaction?.rating).toBe(5);
    expect(store.events.get(record.caseId)?.filter((e) => e.type === 'satisfaction.rated')).toHaveLength(1);
  });

  it('answers an unknown case, an expired and a forged link with their own refusals', async () => {
    const { deps, record } = await setup();
    const unknown = await signRatingToken(KEY, { caseId: '00000000-0000-4000-8000-000000000fff', resolution: 1 }, NOW, 30);
    await expect(recordRating(deps, { token: unknown, score: 3 })).rejects.toMatchObject({ status: 404, code: 'rating_case_unknown' });
    const old = await signRatingToken(KEY, { caseId: record.caseId, resolution: 1 }, new Date(NOW.getTime() - 40 * DAY), 30);
    await expect(recordRating(deps, { token: old, score: 3 })).rejects.toMatchObject({ status: 410, code: 'rating_link_expired' });
    const forged = await signRatingToken(keyOf('z'.repeat(64)), { caseId: record.caseId, resolution: 1 }, NOW, 30);
    await expect(recordRating(deps, { token: forged, score: 3 })).rejects.toBeInstanceOf(RatingRefusedError);
  });
});
