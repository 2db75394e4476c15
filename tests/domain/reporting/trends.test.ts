// Surge detection edges, incident identity, and the reporting policy.
import { describe, expect, it } from 'vitest';
import { detectSurge, incidentKey, incidentWindowStart, median } from '../../../domain/reporting/trends.ts';
import { ReportingPolicyError, isSchedulerCron, parseReportingPolicy } from '../../../domain/reporting/policy.ts';
import policyJson from '../../../config/reporting-policy.json' with { type: 'json' };

const policy = { factor: 3, baselineDays: 7, baselineFloor: 5, minCount: 10 };
const surge = (lastHour: number, sameHourPreviousDays: number[], p = policy) => detectSurge({ category: 'gifts_coins', lastHour, sameHourPreviousDays, policy: p });

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([])).toBe(0);
    expect(median([3])).toBe(3);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([1, 2, 3, 10])).toBe(2.5);
  });
});

describe('detectSurge', () => {
  it('is a surge at exactly factor × baseline, not one below', () => {
    const days = [10, 12, 8, 10, 11, 9, 10]; // median 10
    expect(surge(30, days)).toEqual({ category: 'gifts_coins', surge: true, lastHour: 30, baseline: 10, factor: 3, threshold: 30 });
    expect(surge(29, days).surge).toBe(false);
  });

  it('never lets the baseline drop below the floor', () => {
    const quiet = surge(14, [0, 1, 0, 2, 1, 0, 1]); // median 1 → floor 5 → threshold 15
    expect(quiet).toMatchObject({ baseline: 5, threshold: 15, surge: false });
    expect(quiet.factor).toBeCloseTo(2.8);
    expect(surge(15, [0, 1, 0, 2, 1, 0, 1]).surge).toBe(true);
  });

  it('needs at least minCount cases whatever the baseline', () => {
    const lowFloor = { ...policy, baselineFloor: 1 };
    // baseline 2 → 3 × 2 = 6 < minCount 10.
    expect(surge(9, [2, 2, 2, 2, 2, 2, 2], lowFloor)).toMatchObject({ baseline: 2, threshold: 10, surge: false });
    expect(surge(10, [2, 2, 2, 2, 2, 2, 2], lowFloor)).toMatchObject({ threshold: 10, surge: true, factor: 5 });
  });

  it('uses the median, so one past surge in the window does not hide the next', () => {
    const withPastSurge = [10, 10, 100, 10, 10, 10, 10]; // mean ≈ 22.9, median 10
    expect(surge(35, withPastSurge)).toMatchObject({ baseline: 10, surge: true });
  });

  it('uses only the most recent baselineDays days', () => {
    expect(surge(30, [10, 10, 10, 10, 10, 10, 10, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]).baseline).toBe(10);
    expect(surge(30, [10, 20, 1000], { ...policy, baselineDays: 2 }).baseline).toBe(15);
  });

  it('falls back to the floor without history (a new category)', () => {
    expect(surge(15, [])).toMatchObject({ baseline: 5, threshold: 15, surge: true, factor: 3 });
  });

  it('rejects counts that are not counts', () => {
    expect(() => surge(-1, [])).toThrow(RangeError);
    expect(() => surge(1, [Number.NaN])).toThrow(RangeError);
  });
});

describe('incidents', () => {
  it('one key per category and window', () => {
    expect(incidentKey('gifts_coins', '2026-11-24T00')).toBe('surge#gifts_coins#2026-11-24T00');
    const hours = ['2026-11-24T00', '2026-11-24T09', '2026-11-24T23'];
    expect(new Set(hours.map((h) => incidentKey('gifts_coins', incidentWindowStart(h, 24)))).size).toBe(1);
    expect(incidentKey('payout', incidentWindowStart('2026-11-24T09', 24))).not.toBe(incidentKey('gifts_coins', incidentWindowStart('2026-11-24T09', 24)));
    expect(incidentWindowStart('2026-11-25T00', 24)).toBe('2026-11-25T00');
    expect(incidentWindowStart('2026-11-24T09', 6)).toBe('2026-11-24T06');
    expect(incidentWindowStart('2026-11-24T05', 6)).toBe('2026-11-24T00');
  });

  it('rejects bad windows and hours', () => {
    expect(() => incidentWindowStart('2026-11-24T09', 5)).toThrow(RangeError);
    expect(() => incidentKey('gifts_coins', '2026-11-24')).toThrow(RangeError);
    expect(() => incidentKey('', '2026-11-24T00')).toThrow(RangeError);
  });
});

describe('reporting policy', () => {
  it('the shipped config is valid and says what the issue asks', () => {
    const p = parseReportingPolicy(policyJson);
    expect(p.timeZone).toBe('America/Los_Angeles');
    expect(p.surge).toMatchObject({ factor: 3, baselineDays: 7, baselineFloor: 5, minCount: 10 });
    expect(p.cadences).toEqual({
      daily: { cron: '0 7 * * ? *', timeZone: 'America/Los_Angeles' },
      weekly: { cron: '0 7 ? * MON *', timeZone: 'America/Los_Angeles' },
    });
    expect(p.histogramEdges).toEqual([15, 30, 60, 120, 240, 480, 1440, 2880, 5760, 10080]);
  });

  it('names every bad field', () => {
    const bad = {
      ...policyJson,
      timeZone: 'Mars/Olympus',
      surge: { ...policyJson.surge, factor: 1, incidentWindowHours: 5 },
      cadences: { ...policyJson.cadences, weekly: { cron: '0 7 * * MON *', timeZone: 'UTC' } },
      histogramEdges: [15, 15, 30],
      extra: true,
    };
    try {
      parseReportingPolicy(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ReportingPolicyError);
      const paths = (error as ReportingPolicyError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['timeZone', 'surge.factor', 'surge.incidentWindowHours', 'cadences.weekly.cron', 'histogramEdges', '(root)']));
    }
  });

  it('checks Scheduler cron expressions', () => {
    expect(isSchedulerCron('0 7 * * ? *')).toBe(true);
    expect(isSchedulerCron('0 7 ? * MON *')).toBe(true);
    expect(isSchedulerCron('0 7 * * *')).toBe(false); // five fields
    expect(isSchedulerCron('0 7 * * MON *')).toBe(false); // no "?"
    expect(isSchedulerCron('0 7 ? * ? *')).toBe(false); // two
  });
});
