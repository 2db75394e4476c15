import { describe, expect, it } from 'vitest';
import { parseSlaPolicy, SlaPolicyError } from '../../../domain/sla/policy.ts';
import { rawPolicy } from './fixtures.ts';

function errorOf(json: unknown): SlaPolicyError {
  try {
    parseSlaPolicy(json);
  } catch (e) {
    expect(e).toBeInstanceOf(SlaPolicyError);
    return e as SlaPolicyError;
  }
  throw new Error('expected parseSlaPolicy to throw');
}

describe('parseSlaPolicy', () => {
  it('accepts the shipped config/sla-policy.json with the documented defaults', () => {
    const p = parseSlaPolicy(rawPolicy());
    expect(p.calendar).toMatchObject({
      timeZone: 'America/Los_Angeles',
      workDays: ['wed', 'thu', 'fri', 'sat', 'sun'],
      open: '08:00',
      close: '17:00',
    });
    expect(p.calendar.holidays).toEqual(
      expect.arrayContaining(['2026-11-26', '2026-12-25', '2027-01-01', '2027-11-25']),
    );
    expect(p.targets).toEqual({
      P1: { firstResponseMinutes: 60, resolutionMinutes: 24 * 60, clock: '24x7' },
      P2: { firstResponseMinutes: 4 * 60, resolutionMinutes: 27 * 60, clock: 'business' },
      P3: { firstResponseMinutes: 8 * 60, resolutionMinutes: 45 * 60, clock: 'business' },
      P4: { firstResponseMinutes: 24 * 60, resolutionMinutes: 90 * 60, clock: 'business' },
    });
    expect(p.preBreachWarningMinutes).toEqual({ P1: 15, P2: 60, P3: 120, P4: 240 });
    expect(p.autoCloseAfterMinutes).toBe(7 * 24 * 60);
  });

  it('every shipped holiday falls on a work day (holidays on closed days would be dead config)', () => {
    const p = parseSlaPolicy(rawPolicy());
    const names = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    for (const h of p.calendar.holidays) {
      const wd = names[new Date(`${h}T12:00:00Z`).getUTCDay()]!;
      expect(p.calendar.workDays, h).toContain(wd);
    }
  });

  it('rejects an unknown time zone, naming calendar.timeZone', () => {
    const raw = rawPolicy();
    raw.calendar.timeZone = 'America/Los_Angles';
    const err = errorOf(raw);
    expect(err.issues.map((i) => i.path)).toEqual(['calendar.timeZone']);
    expect(err.message).toContain('calendar.timeZone');
    expect(err.message).toContain('America/Los_Angles');
  });

  it('rejects open after close, naming calendar.close', () => {
    const raw = rawPolicy();
    raw.calendar.open = '17:00';
    raw.calendar.close = '08:00';
    const err = errorOf(raw);
    expect(err.issues.map((i) => i.path)).toEqual(['calendar.close']);
    expect(err.message).toMatch(/calendar\.close: .*after open/);
  });

  it('rejects open equal to close (an empty business day)', () => {
    const raw = rawPolicy();
    raw.calendar.open = '09:00';
    raw.calendar.close = '09:00';
    expect(errorOf(raw).issues.map((i) => i.path)).toEqual(['calendar.close']);
  });

  it('rejects malformed times, unknown weekdays and impossible holiday dates with their paths', () => {
    const raw = rawPolicy();
    raw.calendar.open = '8:00';
    raw.calendar.workDays = ['wed', 'friday'];
    raw.calendar.holidays = ['2026-11-26', '2026-02-30'];
    const paths = errorOf(raw).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['calendar.open', 'calendar.workDays[1]', 'calendar.holidays[1]']),
    );
  });

  it('requires a target for every priority and a valid clock', () => {
    const raw = rawPolicy();
    delete raw.targets.P3;
    raw.targets.P2.clock = 'wallclock';
    const paths = errorOf(raw).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['targets.P3', 'targets.P2.clock']));
  });

  it('rejects non-positive or fractional minutes and resolution shorter than first response', () => {
    const raw = rawPolicy();
    raw.targets.P1.firstResponseMinutes = 0;
    raw.targets.P4.resolutionMinutes = 12.5;
    raw.preBreachWarningMinutes.P2 = -1;
    raw.autoCloseAfterMinutes = 0;
    const paths = errorOf(raw).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'targets.P1.firstResponseMinutes',
        'targets.P4.resolutionMinutes',
        'preBreachWarningMinutes.P2',
        'autoCloseAfterMinutes',
      ]),
    );

    const raw2 = rawPolicy();
    raw2.targets.P3.resolutionMinutes = 60; // first response is 480
    expect(errorOf(raw2).issues.map((i) => i.path)).toEqual(['targets.P3.resolutionMinutes']);
  });

  it('rejects unknown keys (typos) but allows _comment', () => {
    const raw = rawPolicy();
    expect(raw._comment).toBeDefined();
    raw.calendar.holiday = [];
    expect(errorOf(raw).message).toContain('calendar');
    expect(() => parseSlaPolicy({ ...rawPolicy(), _comment: 'a string is fine too' })).not.toThrow();
  });

  it('rejects a non-object with a readable root error', () => {
    expect(() => parseSlaPolicy(null)).toThrow(/Invalid SLA policy/);
  });
});
