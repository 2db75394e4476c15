// Expected instants are computed by hand from the default calendar:
// Wed–Sun 08:00–17:00 America/Los_Angeles (PDT = UTC-7 from 2026-03-08, PST = UTC-8 from 2026-11-01),
// 9 business hours a day, holidays include 2026-06-19 (Fri) and 2026-11-26 (Thu).
// Targets: P1 24x7 60 min / 24 h; P2 4 h / 27 h; P3 8 h / 45 h; P4 24 h / 90 h (business time).
// Warning leads: P1 15 min, P2 60 min, P3 120 min, P4 240 min.
import { describe, expect, it } from 'vitest';
import type { Priority } from '../../../domain/case.ts';
import { businessTimeBetween } from '../../../domain/sla/calendar.ts';
import {
  deadlineAfter,
  planDeadlines,
  slaClockElapsed,
  type DeadlineInput,
  type Interval,
  type PlannedDeadlines,
} from '../../../domain/sla/deadlines.ts';
import { parseSlaPolicy } from '../../../domain/sla/policy.ts';
import { at, cal, HOUR, MINUTE, policy, rawPolicy } from './fixtures.ts';

function plan(openedAt: string, priority: Priority, pauses?: Interval[]): PlannedDeadlines {
  const input: DeadlineInput = { openedAt: at(openedAt), priority, ...(pauses ? { pauses } : {}) };
  const result = planDeadlines(input, policy);
  if ('paused' in result) throw new Error('unexpectedly paused');
  return result;
}

const pause = (from: string, to: string): Interval => ({ from: at(from), to: at(to) });

describe('planDeadlines on the business clock', () => {
  it('P3 opened Tue 2026-06-09 10:00 PDT (closed day) starts counting Wed 08:00', () => {
    expect(plan('2026-06-09T17:00:00Z', 'P3')).toEqual({
      firstResponseDue: '2026-06-10T23:00:00.000Z', // Wed 08:00 + 8 h = Wed 16:00 PDT
      resolutionDue: '2026-06-15T00:00:00.000Z', // 45 h = Wed..Sun full days → Sun 06-14 17:00 PDT
      firstResponseWarnAt: '2026-06-10T21:00:00.000Z', // 6 h → Wed 14:00 PDT
      resolutionWarnAt: '2026-06-14T22:00:00.000Z', // 43 h → Sun 15:00 PDT
    });
  });

  it('a 1 h business target opened Sun 2026-06-14 16:30 PDT is due Wed 06-17 08:30 PDT (15:30Z)', () => {
    expect(deadlineAfter(at('2026-06-14T23:30:00Z'), HOUR, 'business', [], cal).toISOString()).toBe(
      '2026-06-17T15:30:00.000Z',
    );
  });

  it('P2 opened Fri 2026-06-12 16:59:30 PDT: 30 s Friday, the rest from Saturday 08:00', () => {
    expect(plan('2026-06-12T23:59:30Z', 'P2')).toEqual({
      firstResponseDue: '2026-06-13T18:59:30.000Z', // Sat 08:00 + 3:59:30 = Sat 11:59:30 PDT
      // 27 h: 0:00:30 Fri + 9 h Sat + 9 h Sun (Mon/Tue closed) + 8:59:30 Wed = Wed 06-17 16:59:30 PDT
      resolutionDue: '2026-06-17T23:59:30.000Z',
      firstResponseWarnAt: '2026-06-13T17:59:30.000Z', // 3 h → Sat 10:59:30 PDT
      resolutionWarnAt: '2026-06-17T22:59:30.000Z', // 26 h → Wed 15:59:30 PDT
    });
  });

  it('skips Thanksgiving 2026-11-26 (Thu): P3 opened Wed 11-25 12:00 PST', () => {
    const d = plan('2026-11-25T20:00:00Z', 'P3');
    // 5 h Wed, Thu holiday, 3 h Fri → Fri 11-27 11:00 PST (without the holiday it would be Thu 11:00)
    expect(d.firstResponseDue).toBe('2026-11-27T19:00:00.000Z');
    // 45 h: Wed 5 + Fri 9 + Sat 9 + Sun 9 = 32, Mon/Tue closed, Wed 12-02 9 = 41, Thu 12-03 4 h → 12:00 PST
    expect(d.resolutionDue).toBe('2026-12-03T20:00:00.000Z');
  });

  it('skips Juneteenth 2026-06-19 (Fri) and a closed Mon/Tue in one resolution', () => {
    // P3 opened Sun 06-14 10:00 PDT: Sun 7 h, Wed 17th 9 (16), Thu 18th 9 (25), Fri 19th holiday,
    // Sat 20th 9 (34), Sun 21st 9 (43), Wed 24th 2 h → 10:00 PDT
    expect(plan('2026-06-14T17:00:00Z', 'P3').resolutionDue).toBe('2026-06-24T17:00:00.000Z');
  });

  it('opened outside hours at night (Thu 22:00 PDT) or early morning (Fri 03:00 PDT) starts Fri 08:00', () => {
    const expected = {
      firstResponseDue: '2026-06-12T19:00:00.000Z', // Fri 12:00 PDT
      resolutionDue: '2026-06-15T00:00:00.000Z', // 27 h = Fri, Sat, Sun → Sun 17:00 PDT
      firstResponseWarnAt: '2026-06-12T18:00:00.000Z', // Fri 11:00 PDT
      resolutionWarnAt: '2026-06-14T23:00:00.000Z', // Sun 16:00 PDT
    };
    expect(plan('2026-06-12T05:00:00Z', 'P2')).toEqual(expected);
    expect(plan('2026-06-12T10:00:00Z', 'P2')).toEqual(expected);
  });

  it('DST spring-forward: P2 opened Sat 2026-03-07 16:00 PST counts Sunday 03-08 from 08:00 PDT', () => {
    expect(plan('2026-03-08T00:00:00Z', 'P2')).toEqual({
      // 1 h Sat (to 17:00 PST = 01:00Z), Sun 08:00 PDT (15:00Z) + 3 h = 11:00 PDT
      firstResponseDue: '2026-03-08T18:00:00.000Z',
      // 27 h: Sat 1 + Sun 9 + Wed 03-11 9 + Thu 03-12 8 → 16:00 PDT
      resolutionDue: '2026-03-12T23:00:00.000Z',
      firstResponseWarnAt: '2026-03-08T17:00:00.000Z', // Sun 10:00 PDT
      resolutionWarnAt: '2026-03-12T22:00:00.000Z', // Thu 15:00 PDT
    });
  });

  it('DST fall-back: P2 opened Sat 2026-10-31 16:00 PDT counts Sunday 11-01 from 08:00 PST', () => {
    expect(plan('2026-10-31T23:00:00Z', 'P2')).toEqual({
      // 1 h Sat, Sun 08:00 PST (16:00Z) + 3 h = 11:00 PST
      firstResponseDue: '2026-11-01T19:00:00.000Z',
      // 27 h: Sat 1 + Sun 9 + Wed 11-04 9 + Thu 11-05 8 → 16:00 PST = 11-06 00:00Z
      resolutionDue: '2026-11-06T00:00:00.000Z',
      firstResponseWarnAt: '2026-11-01T18:00:00.000Z',
      resolutionWarnAt: '2026-11-05T23:00:00.000Z',
    });
  });
});

describe('planDeadlines on the 24x7 clock (P1)', () => {
  it('ignores the calendar: opened Tue 2026-06-09 03:00 PDT (closed day, night)', () => {
    expect(plan('2026-06-09T10:00:00Z', 'P1')).toEqual({
      firstResponseDue: '2026-06-09T11:00:00.000Z',
      resolutionDue: '2026-06-10T10:00:00.000Z',
      firstResponseWarnAt: '2026-06-09T10:45:00.000Z',
      resolutionWarnAt: '2026-06-10T09:45:00.000Z',
    });
  });

  it('honours pauses: a 20 min pause (03:10–03:30 PDT) pushes everything after it by 20 min', () => {
    expect(plan('2026-06-09T10:00:00Z', 'P1', [pause('2026-06-09T10:10:00Z', '2026-06-09T10:30:00Z')])).toEqual({
      firstResponseDue: '2026-06-09T11:20:00.000Z',
      resolutionDue: '2026-06-10T10:20:00.000Z',
      firstResponseWarnAt: '2026-06-09T11:05:00.000Z', // 10 min, pause, 35 min
      resolutionWarnAt: '2026-06-10T10:05:00.000Z',
    });
  });

  it('spring-forward: opened 2026-03-08 01:30 PST (09:30Z) → first response at 03:30 PDT (10:30Z), 60 real minutes', () => {
    const d = plan('2026-03-08T09:30:00Z', 'P1');
    expect(d.firstResponseDue).toBe('2026-03-08T10:30:00.000Z');
    expect(d.resolutionDue).toBe('2026-03-09T09:30:00.000Z'); // 03-09 02:30 PDT: 24 real hours
  });

  it('fall-back: opened 2026-11-01 01:30 PDT (08:30Z) → first response at the second 01:30 (PST, 09:30Z)', () => {
    const d = plan('2026-11-01T08:30:00Z', 'P1');
    expect(d.firstResponseDue).toBe('2026-11-01T09:30:00.000Z');
    expect(d.resolutionDue).toBe('2026-11-02T08:30:00.000Z'); // 11-02 00:30 PST
  });
});

describe('pauses', () => {
  const openedWed = '2026-06-10T16:00:00Z'; // Wed 09:00 PDT

  it('a pause inside business hours pushes the deadline by exactly the paused business time', () => {
    const plain = plan(openedWed, 'P3');
    expect(plain.firstResponseDue).toBe('2026-06-11T00:00:00.000Z'); // Wed 17:00 PDT
    expect(plain.resolutionDue).toBe('2026-06-17T16:00:00.000Z'); // Wed 8+9+9+9+9 = 44, Wed 06-17 09:00 PDT

    const paused = plan(openedWed, 'P3', [pause('2026-06-10T17:00:00Z', '2026-06-10T18:30:00Z')]); // 10:00–11:30
    expect(paused.firstResponseDue).toBe('2026-06-11T16:30:00.000Z'); // Thu 09:30 PDT
    expect(paused.resolutionDue).toBe('2026-06-17T17:30:00.000Z'); // Wed 06-17 10:30 PDT
    for (const k of ['firstResponseDue', 'resolutionDue'] as const) {
      expect(businessTimeBetween(at(plain[k]), at(paused[k]), cal)).toBe(90 * MINUTE);
    }
  });

  it('a pause over closed days (Sun 17:00 → Wed 08:00, or Sun 18:00 → Tue 23:00) pushes nothing', () => {
    const opened = '2026-06-14T17:00:00Z'; // Sun 10:00 PDT
    const plain = plan(opened, 'P3');
    expect(plain.firstResponseDue).toBe('2026-06-17T16:00:00.000Z'); // 7 h Sun + 1 h Wed → Wed 09:00 PDT
    expect(plan(opened, 'P3', [pause('2026-06-15T00:00:00Z', '2026-06-17T15:00:00Z')])).toEqual(plain);
    expect(plan(opened, 'P3', [pause('2026-06-15T01:00:00Z', '2026-06-17T06:00:00Z')])).toEqual(plain);
  });

  it('a pause straddling closed days pushes only its business part (Sun 16:00 → Wed 09:00 = 2 h)', () => {
    // 6 h Sun (10–16), paused until Wed 09:00, 2 h → Wed 11:00 PDT
    const d = plan('2026-06-14T17:00:00Z', 'P3', [pause('2026-06-14T23:00:00Z', '2026-06-17T16:00:00Z')]);
    expect(d.firstResponseDue).toBe('2026-06-17T18:00:00.000Z');
  });

  it('overlapping, unsorted and duplicate pauses count their union once (10:00–12:00 = 2 h)', () => {
    const pauses = [
      pause('2026-06-10T17:30:00Z', '2026-06-10T19:00:00Z'), // 10:30–12:00
      pause('2026-06-10T17:00:00Z', '2026-06-10T18:00:00Z'), // 10:00–11:00
      pause('2026-06-10T18:30:00Z', '2026-06-10T18:45:00Z'), // 11:30–11:45 (inside)
      pause('2026-06-10T17:00:00Z', '2026-06-10T18:00:00Z'), // duplicate
    ];
    // Wed 1 h (9–10) + 5 h (12–17) = 6 h, Thu 08:00 + 2 h = 10:00 PDT
    expect(plan(openedWed, 'P3', pauses).firstResponseDue).toBe('2026-06-11T17:00:00.000Z');
    expect(deadlineAfter(at(openedWed), 8 * HOUR, 'business', pauses, cal).toISOString()).toBe(
      '2026-06-11T17:00:00.000Z',
    );
  });

  it('a pause starting before openedAt only counts from openedAt', () => {
    // paused 08:00–10:00 PDT but opened 09:00: 1 h excluded → same as a 09:00–10:00 pause
    const a = plan(openedWed, 'P3', [pause('2026-06-10T15:00:00Z', '2026-06-10T17:00:00Z')]);
    expect(a.firstResponseDue).toBe('2026-06-11T16:00:00.000Z'); // Thu 09:00 PDT
  });

  it('a pause entirely after a deadline does not move it', () => {
    const d = plan(openedWed, 'P3', [pause('2026-06-12T16:00:00Z', '2026-06-12T18:00:00Z')]); // Fri 09–11
    expect(d.firstResponseDue).toBe('2026-06-11T00:00:00.000Z');
    expect(d.resolutionDue).toBe('2026-06-17T18:00:00.000Z'); // pushed 2 h: Wed 06-17 11:00 PDT
  });

  it('an open pause makes the plan paused', () => {
    const input: DeadlineInput = {
      openedAt: at(openedWed),
      priority: 'P2',
      pauses: [pause('2026-06-10T17:00:00Z', '2026-06-10T18:00:00Z'), { from: at('2026-06-10T20:00:00Z') }],
    };
    expect(planDeadlines(input, policy)).toEqual({ paused: true });
    expect(planDeadlines({ ...input, priority: 'P1' }, policy)).toEqual({ paused: true });
  });

  it('deadlineAfter: an open pause after the deadline is harmless; one before it throws', () => {
    const open = [{ from: at('2026-06-12T16:00:00Z') }]; // Fri 09:00 PDT, still open
    expect(deadlineAfter(at(openedWed), 8 * HOUR, 'business', open, cal).toISOString()).toBe('2026-06-11T00:00:00.000Z');
    expect(() => deadlineAfter(at(openedWed), 45 * HOUR, 'business', open, cal)).toThrow(/paused/);
    expect(() => deadlineAfter(at(openedWed), 60 * HOUR, '24x7', open, cal)).toThrow(/paused/);
  });

  it('rejects a pause that ends before it starts', () => {
    expect(() =>
      deadlineAfter(at(openedWed), HOUR, 'business', [pause('2026-06-10T18:00:00Z', '2026-06-10T17:00:00Z')], cal),
    ).toThrow(RangeError);
  });
});

describe('priority change re-plans from openedAt', () => {
  it('P4 → P2 with the same history gives exactly the P2 plan, not anything derived from P4', () => {
    const pauses = [pause('2026-06-10T17:00:00Z', '2026-06-10T18:30:00Z')]; // Wed 10:00–11:30 PDT
    const input: DeadlineInput = { openedAt: at('2026-06-10T16:00:00Z'), priority: 'P4', pauses };
    const p4 = planDeadlines(input, policy);
    // P4: Wed 1 + 5.5 = 6.5 h, Thu 9 (15.5), Fri 8.5 → Fri 06-12 16:30 PDT
    expect(p4).toMatchObject({ firstResponseDue: '2026-06-12T23:30:00.000Z' });

    const p2 = planDeadlines({ ...input, priority: 'P2' }, policy);
    expect(p2).toEqual({
      firstResponseDue: '2026-06-10T21:30:00.000Z', // 1 h + 3 h after 11:30 → Wed 14:30 PDT
      resolutionDue: '2026-06-13T17:30:00.000Z', // 6.5 + 9 + 9 = 24.5, Sat 2.5 h → 10:30 PDT
      firstResponseWarnAt: '2026-06-10T20:30:00.000Z', // Wed 13:30 PDT
      resolutionWarnAt: '2026-06-13T16:30:00.000Z', // Sat 09:30 PDT
    });
    // and P2 → P1 switches to the 24x7 clock, still from openedAt with the same pause:
    // first response 09:00 + 60 min = 10:00 PDT (exactly when the pause starts);
    // resolution 24 h + 1.5 h paused → Thu 10:30 PDT
    const p1 = planDeadlines({ ...input, priority: 'P1' }, policy);
    expect(p1).toMatchObject({ firstResponseDue: '2026-06-10T17:00:00.000Z', resolutionDue: '2026-06-11T17:30:00.000Z' });
  });
});

describe('warnings', () => {
  it('are measured in business time, across closed days (P3 opened Sun 06-14 10:00 PDT)', () => {
    const d = plan('2026-06-14T17:00:00Z', 'P3');
    expect(d.firstResponseDue).toBe('2026-06-17T16:00:00.000Z'); // Wed 09:00 PDT
    // 2 business hours before Wed 09:00 is Sun 16:00 PDT, not Wed 07:00
    expect(d.firstResponseWarnAt).toBe('2026-06-14T23:00:00.000Z');
    expect(businessTimeBetween(at(d.firstResponseWarnAt), at(d.firstResponseDue), cal)).toBe(120 * MINUTE);
    expect(businessTimeBetween(at(d.resolutionWarnAt), at(d.resolutionDue), cal)).toBe(120 * MINUTE);
  });

  it('are never before openedAt when the lead exceeds the target', () => {
    const raw = rawPolicy();
    raw.preBreachWarningMinutes.P1 = 90; // first response is 60 min
    raw.preBreachWarningMinutes.P3 = 600; // first response is 480 business min
    const p = parseSlaPolicy(raw);
    const p1 = planDeadlines({ openedAt: at('2026-06-09T10:00:00Z'), priority: 'P1' }, p);
    expect(p1).toMatchObject({
      firstResponseWarnAt: '2026-06-09T10:00:00.000Z',
      resolutionWarnAt: '2026-06-10T08:30:00.000Z', // 24 h − 90 min
    });
    const p3 = planDeadlines({ openedAt: at('2026-06-09T17:00:00Z'), priority: 'P3' }, p); // Tue (closed)
    expect(p3).toMatchObject({ firstResponseWarnAt: '2026-06-09T17:00:00.000Z' });
  });
});

describe('slaClockElapsed', () => {
  const opened = at('2026-06-10T16:00:00Z'); // Wed 09:00 PDT
  const pauses = [pause('2026-06-10T17:00:00Z', '2026-06-10T18:30:00Z')]; // 10:00–11:30

  it('counts business time minus pauses', () => {
    // Thu 09:00 PDT: Wed 6.5 h + Thu 1 h
    expect(slaClockElapsed(opened, at('2026-06-11T16:00:00Z'), 'business', pauses, cal)).toBe(7.5 * HOUR);
    // an open pause from Thu 08:30 runs up to `at`
    const withOpen = [...pauses, { from: at('2026-06-11T15:30:00Z') }];
    expect(slaClockElapsed(opened, at('2026-06-11T16:00:00Z'), 'business', withOpen, cal)).toBe(7 * HOUR);
    // 24x7: 24 h minus 1.5 h
    expect(slaClockElapsed(opened, at('2026-06-11T16:00:00Z'), '24x7', pauses, cal)).toBe(22.5 * HOUR);
    expect(slaClockElapsed(opened, at('2026-06-10T15:00:00Z'), '24x7', pauses, cal)).toBe(0);
  });

  it('only subtracts the part of a pause after openedAt', () => {
    // paused Wed 08:00–10:00 PDT, opened 09:00, at 12:00 → counted 10:00–12:00 = 2 h
    const early = [pause('2026-06-10T15:00:00Z', '2026-06-10T17:00:00Z')];
    expect(slaClockElapsed(opened, at('2026-06-10T19:00:00Z'), 'business', early, cal)).toBe(2 * HOUR);
    expect(slaClockElapsed(opened, at('2026-06-10T19:00:00Z'), '24x7', early, cal)).toBe(2 * HOUR);
  });

  it('reaches exactly the target at the planned deadline, and not a millisecond earlier', () => {
    for (const priority of ['P1', 'P2', 'P3', 'P4'] as const) {
      const d = plan(opened.toISOString(), priority, pauses);
      const t = policy.targets[priority];
      const due = at(d.resolutionDue);
      expect(slaClockElapsed(opened, due, t.clock, pauses, cal)).toBe(t.resolutionMinutes * MINUTE);
      expect(slaClockElapsed(opened, new Date(due.getTime() - 1), t.clock, pauses, cal)).toBe(
        t.resolutionMinutes * MINUTE - 1,
      );
    }
  });
});
