import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncInvoker } from '../../local/async-invoker.ts';
import { installVirtualClock, type VirtualClock } from '../../local/clock.ts';
import type { LocalFunction } from '../../local/lambda-runtime.ts';
import { eventBridgeCron, startScheduler, type LocalScheduler } from '../../local/scheduler.ts';
import type { CfnResource, CfnTemplate } from '../../local/template.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LA = 'America/Los_Angeles';
const RealDate = globalThis.Date;

describe('eventBridgeCron', () => {
  const TUESDAY_NOON = new Date('2027-01-12T12:00:00.000Z'); // Tuesday 2027-01-12, 12:00 UTC
  /** The next runs in UTC, as "2027-01-13T07:00 WED". */
  const nextRuns = (expression: string, n = 3, from = TUESDAY_NOON) =>
    eventBridgeCron(expression, 'UTC')
      .nextRuns(n, from)
      .map((d) => `${d.toISOString().slice(0, 16)} ${['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'][d.getUTCDay()]}`);

  it('reads the six EventBridge fields, with a ? day-of-month or day-of-week field', () => {
    expect(nextRuns('0 7 * * ? *')).toEqual(['2027-01-13T07:00 WED', '2027-01-14T07:00 THU', '2027-01-15T07:00 FRI']);
    expect(nextRuns('  30 6 ? * MON *  ')).toEqual(['2027-01-18T06:30 MON', '2027-01-25T06:30 MON', '2027-02-01T06:30 MON']);
    expect(nextRuns('0 0 1 * ? *')).toEqual(['2027-02-01T00:00 MON', '2027-03-01T00:00 MON', '2027-04-01T00:00 THU']);
    expect(nextRuns('0/15 8-17 ? * MON-FRI *', 2)).toEqual(['2027-01-12T12:15 TUE', '2027-01-12T12:30 TUE']);
  });

  it('counts days of the week the EventBridge way: 1-7 from Sunday, names as in cron', () => {
    expect(nextRuns('0 7 ? * 2 *')).toEqual(['2027-01-18T07:00 MON', '2027-01-25T07:00 MON', '2027-02-01T07:00 MON']);
    expect(nextRuns('0 7 ? * MON-FRI *', 5)).toEqual(nextRuns('0 7 ? * 2-6 *', 5));
    expect(nextRuns('0 7 ? * MON-FRI *', 5)).toEqual(['2027-01-13T07:00 WED', '2027-01-14T07:00 THU', '2027-01-15T07:00 FRI', '2027-01-18T07:00 MON', '2027-01-19T07:00 TUE']);
    // 1-5 is Sunday to Thursday, not Monday to Friday.
    expect(nextRuns('0 7 ? * 1-5 *', 5)).toEqual(['2027-01-13T07:00 WED', '2027-01-14T07:00 THU', '2027-01-17T07:00 SUN', '2027-01-18T07:00 MON', '2027-01-19T07:00 TUE']);
    expect(nextRuns('0 7 ? * 1,7 *')).toEqual(['2027-01-16T07:00 SAT', '2027-01-17T07:00 SUN', '2027-01-23T07:00 SAT']);
    expect(nextRuns('0 7 ? * 6#3 *', 2)).toEqual(['2027-01-15T07:00 FRI', '2027-02-19T07:00 FRI']); // the third Friday: the 3 is not a day
    expect(nextRuns('0 7 ? * */2 *', 4)).toEqual(['2027-01-14T07:00 THU', '2027-01-16T07:00 SAT', '2027-01-17T07:00 SUN', '2027-01-19T07:00 TUE']);
  });

  it('honours the year field', () => {
    expect(nextRuns('0 7 * * ? 2028', 2)).toEqual(['2028-01-01T07:00 SAT', '2028-01-02T07:00 SUN']);
    expect(nextRuns('0 7 1 1 ? 2027-2029', 3)).toEqual(['2028-01-01T07:00 SAT', '2029-01-01T07:00 MON']);
    expect(nextRuns('0 7 * * ? 2026')).toEqual([]); // only years gone by: it never runs
  });

  it('refuses a wrong number of fields', () => {
    expect(() => eventBridgeCron('0 7 * * ?', 'UTC')).toThrow(/not an EventBridge cron expression/);
    expect(() => eventBridgeCron('0 0 7 * * ? *', 'UTC')).toThrow(/not an EventBridge cron expression/);
    expect(() => eventBridgeCron('', 'UTC')).toThrow(/not an EventBridge cron expression/);
  });
});

// ── the scheduler against a virtual clock ──────────────────────────────────────────────────────────

const FUNCTION_ID = 'ReportFunction1A2B3C4D';

function fakeFunction(logicalId: string): LocalFunction {
  return { logicalId, description: 'report', timeoutSeconds: 60, memoryMb: 256, environment: {}, invoke: async () => undefined };
}

function fakeInvoker() {
  const invoked: { functionId: string; event: unknown; at: number }[] = [];
  const invoker: AsyncInvoker = {
    invoke: (fn, event) => {
      invoked.push({ functionId: fn.logicalId, event, at: Date.now() });
    },
    whenIdle: async () => undefined,
    failures: () => [],
  };
  return { invoker, invoked };
}

function schedule(o: { expression?: string; timeZone?: string; input?: string; path?: string; state?: string; target?: string } = {}): CfnResource {
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      ScheduleExpression: o.expression ?? 'cron(0 7 * * ? *)',
      ScheduleExpressionTimezone: o.timeZone ?? LA,
      FlexibleTimeWindow: { Mode: 'OFF' },
      ...(o.state && { State: o.state }),
      Target: {
        Arn: { 'Fn::GetAtt': [o.target ?? FUNCTION_ID, 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
        Input: o.input ?? '{"cadence":"daily"}',
      },
    },
    Metadata: { 'aws:cdk:path': o.path ?? 'TrustdeskStack/Reporting/DailyReport/Resource' },
  };
}

const template = (resources: Record<string, CfnResource>): CfnTemplate => ({
  Resources: { [FUNCTION_ID]: { Type: 'AWS::Lambda::Function', Properties: {} }, ...resources },
});

describe('startScheduler', () => {
  const clocks: VirtualClock[] = [];
  const schedulers: LocalScheduler[] = [];
  afterEach(() => {
    for (const s of schedulers.splice(0)) s.stop();
    for (const c of clocks.splice(0).reverse()) c.uninstall();
    expect(globalThis.Date).toBe(RealDate);
  });

  /** A frozen virtual clock at `iso`, and a scheduler started on it. */
  function start(iso: string, resources: Record<string, CfnResource> = { DailyReportSchedule: schedule() }) {
    const clock = installVirtualClock({ timeScale: 0 });
    clocks.push(clock);
    clock.set(Date.parse(iso));
    const { invoker, invoked } = fakeInvoker();
    const log: string[] = [];
    const scheduler = startScheduler({ template: template(resources), functions: new Map([[FUNCTION_ID, fakeFunction(FUNCTION_ID)]]), invoker, clock, log: (l) => log.push(l) });
    schedulers.push(scheduler);
    return { clock, scheduler, invoked, log };
  }

  it('lists the schedule by its construct name with its next run in the time zone', () => {
    const { scheduler } = start('2027-01-12T12:00:00.000Z'); // 04:00 PST
    expect(scheduler.schedules()).toEqual([
      {
        logicalId: 'DailyReportSchedule',
        name: 'DailyReport',
        expression: '0 7 * * ? *',
        timeZone: LA,
        functionId: FUNCTION_ID,
        input: { cadence: 'daily' },
        nextRun: new Date('2027-01-12T15:00:00.000Z'),
      },
    ]);
  });

  it('fires a daily 07:00 Los Angeles schedule once when the clock passes 07:00 local, not before', () => {
    const { clock, invoked } = start('2027-01-12T12:00:00.000Z'); // Tuesday 04:00 PST
    clock.set(Date.parse('2027-01-12T14:59:59.000Z')); // 06:59:59
    expect(invoked).toEqual([]);

    for (let i = 0; i < 30; i++) clock.advance(MINUTE); // 06:59:59 → 07:29:59, minute by minute

    expect(invoked).toEqual([{ functionId: FUNCTION_ID, event: { cadence: 'daily' }, at: Date.parse('2027-01-12T15:00:59.000Z') }]);
    clock.advance(20 * HOUR); // 03:29:59 the next day
    expect(invoked).toHaveLength(1);
  });

  it('keeps 07:00 local across the spring-forward change (PST → PDT)', () => {
    // Saturday 2027-03-13 is PST (UTC−8); Sunday 2027-03-14 02:00 the clocks go forward to PDT (UTC−7).
    const { clock, scheduler, invoked } = start('2027-03-13T14:00:00.000Z');
    clock.set(Date.parse('2027-03-13T15:00:01.000Z')); // Saturday 07:00:01 PST
    expect(invoked).toHaveLength(1);
    expect(scheduler.schedules()[0]!.nextRun).toEqual(new Date('2027-03-14T14:00:00.000Z'));

    clock.set(Date.parse('2027-03-14T13:59:00.000Z')); // Sunday 06:59 PDT
    expect(invoked).toHaveLength(1);
    clock.set(Date.parse('2027-03-14T14:00:30.000Z')); // Sunday 07:00:30 PDT, only 23 hours later
    expect(invoked).toHaveLength(2);
    clock.set(Date.parse('2027-03-14T15:30:00.000Z')); // 08:30 PDT: 07:00 PST would have been 15:00 UTC
    expect(invoked).toHaveLength(2);
  });

  it('keeps 07:00 local across the fall-back change (PDT → PST)', () => {
    // Sunday 2027-11-07 02:00 PDT the clocks go back to 01:00 PST.
    const { clock, invoked } = start('2027-11-06T13:00:00.000Z'); // Saturday 06:00 PDT
    clock.set(Date.parse('2027-11-06T14:00:01.000Z')); // Saturday 07:00:01 PDT
    expect(invoked).toHaveLength(1);

    clock.set(Date.parse('2027-11-07T14:30:00.000Z')); // Sunday 06:30 PST: 24 hours later is not yet 07:00
    expect(invoked).toHaveLength(1);
    clock.set(Date.parse('2027-11-07T15:00:01.000Z')); // Sunday 07:00:01 PST
    expect(invoked).toHaveLength(2);
  });

  it('collapses missed runs into one when the clock jumps days ahead', () => {
    const { clock, invoked, scheduler } = start('2027-01-12T12:00:00.000Z');
    clock.advance(3 * 24 * HOUR);
    expect(invoked).toHaveLength(1);
    expect(scheduler.schedules()[0]!.nextRun).toEqual(new Date('2027-01-15T15:00:00.000Z'));
  });

  it('reads day-of-week numbers the EventBridge way (2 = Monday)', () => {
    // Tuesday 2027-01-12: the next Monday is 2027-01-18.
    const { scheduler } = start('2027-01-12T12:00:00.000Z', { WeeklyReportSchedule: schedule({ expression: 'cron(0 7 ? * 2 *)', path: 'TrustdeskStack/Reporting/WeeklyReport/Resource' }) });
    expect(scheduler.schedules()[0]!.nextRun).toEqual(new Date('2027-01-18T15:00:00.000Z'));
  });

  it('runs a schedule now by construct name (any case) or by logical id; an unknown name is false', () => {
    const { scheduler, invoked } = start('2027-01-12T12:00:00.000Z', {
      DailyReportSchedule: schedule(),
      WeeklyReportSchedule: schedule({ expression: 'cron(0 7 ? * MON *)', input: '{"cadence":"weekly"}', path: 'TrustdeskStack/Reporting/WeeklyReport/Resource' }),
    });

    expect(scheduler.runNow('dailyreport')).toBe(true);
    expect(scheduler.runNow('WEEKLYREPORT')).toBe(true);
    expect(scheduler.runNow('WeeklyReportSchedule')).toBe(true);
    expect(scheduler.runNow('MonthlyReport')).toBe(false);
    expect(scheduler.runNow('')).toBe(false);

    expect(invoked.map((i) => i.event)).toEqual([{ cadence: 'daily' }, { cadence: 'weekly' }, { cadence: 'weekly' }]);
    expect(invoked.every((i) => i.functionId === FUNCTION_ID)).toBe(true);
  });

  it('skips disabled and non-cron schedules, and refuses a target that is not a function of the stack', () => {
    const { scheduler, log } = start('2027-01-12T12:00:00.000Z', {
      Off: schedule({ state: 'DISABLED', path: 'S/Off/Resource' }),
      Every5: schedule({ expression: 'rate(5 minutes)', path: 'S/Every5/Resource' }),
      DailyReportSchedule: schedule(),
    });
    expect(scheduler.schedules().map((s) => s.name)).toEqual(['DailyReport']);
    expect(log.some((l) => l.includes('Every5'))).toBe(true);

    expect(() => start('2027-01-12T12:00:00.000Z', { Broken: schedule({ target: 'SomeQueue' }) })).toThrow(/not a function of this stack/);
  });

  it('stops firing once stopped', () => {
    const { clock, scheduler, invoked } = start('2027-01-12T12:00:00.000Z');
    scheduler.stop();
    clock.advance(5 * HOUR);
    expect(invoked).toEqual([]);
  });
});
