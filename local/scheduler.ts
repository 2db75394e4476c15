// EventBridge Scheduler, locally: each AWS::Scheduler::Schedule of the template fires on its cron and
// time zone against the local cloud's (virtual) clock, and can be run now by name.
import { Cron } from 'croner';
import type { AsyncInvoker } from './async-invoker.ts';
import type { VirtualClock } from './clock.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { resourcesOfType, type CfnTemplate } from './template.ts';

export interface LocalSchedule {
  logicalId: string;
  /** The construct id (DailyReport), the name `POST /local/schedules/{name}/run` accepts. */
  name: string;
  expression: string;
  timeZone: string;
  functionId: string;
  input: unknown;
  nextRun?: Date;
}

export interface LocalScheduler {
  schedules(): LocalSchedule[];
  /** Invoke a schedule's target now (asynchronously, with the scheduler's retries); false if unknown. */
  runNow(name: string): boolean;
  stop(): void;
}

/**
 * An EventBridge cron expression (minutes hours day-of-month month day-of-week year) as croner reads it:
 * its 7-part mode (a leading second, then the same six fields with the year), days of the week counted
 * 1-7 from Sunday (`alternativeWeekdays`), and `0/15`-style steps (`sloppyRanges`), as EventBridge allows.
 */
export function eventBridgeCron(expression: string, timeZone: string): Cron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`not an EventBridge cron expression: ${expression}`);
  return new Cron(`0 ${fields.join(' ')}`, { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true, timezone: timeZone, paused: true });
}

export function startScheduler(o: {
  template: CfnTemplate;
  functions: Map<string, LocalFunction>;
  invoker: AsyncInvoker;
  clock: VirtualClock;
  log: (line: string) => void;
}): LocalScheduler {
  const schedules: (LocalSchedule & { cron: Cron })[] = [];
  for (const [logicalId, resource] of resourcesOfType(o.template, 'AWS::Scheduler::Schedule')) {
    const p = resource.Properties ?? {};
    if (p.State === 'DISABLED') continue;
    const match = /^cron\((.+)\)$/.exec(String(p.ScheduleExpression ?? ''));
    if (!match) {
      o.log(`${logicalId}: only cron() schedules run locally; skipped`);
      continue;
    }
    const target = p.Target as { Arn?: { 'Fn::GetAtt'?: [string, string] }; Input?: string };
    const functionId = target.Arn?.['Fn::GetAtt']?.[0];
    if (!functionId || !o.functions.has(functionId)) throw new Error(`${logicalId}: its target is not a function of this stack`);
    const timeZone = String(p.ScheduleExpressionTimezone ?? 'UTC');
    const cron = eventBridgeCron(match[1]!, timeZone);
    const path = String(resource.Metadata?.['aws:cdk:path'] ?? logicalId).split('/');
    const name = path.at(-1) === 'Resource' ? path.at(-2)! : logicalId;
    const schedule = {
      logicalId,
      name,
      expression: match[1]!,
      timeZone,
      functionId,
      input: target.Input ? (JSON.parse(target.Input) as unknown) : {},
      cron,
    };
    schedules.push({ ...schedule, nextRun: cron.nextRun(new Date(o.clock.now())) ?? undefined });
  }

  const fire = (s: (typeof schedules)[number]) => {
    o.log(`schedule ${s.name}: invoking ${s.functionId}`);
    o.invoker.invoke(o.functions.get(s.functionId)!, s.input);
  };
  const tick = () => {
    const now = o.clock.now();
    for (const s of schedules) {
      if (!s.nextRun || s.nextRun.getTime() > now) continue;
      fire(s);
      s.nextRun = s.cron.nextRun(new Date(now)) ?? undefined; // missed runs collapse into one, like a late start
    }
  };
  const timer = setInterval(tick, 1000);
  timer.unref();
  const unsubscribe = o.clock.onChange(tick);

  return {
    schedules: () => schedules.map(({ cron: _cron, ...s }) => s),
    runNow: (name) => {
      const s = schedules.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.logicalId === name);
      if (!s) return false;
      fire(s);
      return true;
    },
    stop: () => {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
