import { Duration, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseSlaPolicy } from '../../domain/sla/policy.ts';
import slaPolicyJson from '../../config/sla-policy.json' with { type: 'json' };
import { acknowledge, arnToken } from '../nag.ts';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import { parkedRecordsQueue } from './parked-records.ts';
import type { Storage } from './storage.ts';

const CRON_DAYS = { sun: 'SUN', mon: 'MON', tue: 'TUE', wed: 'WED', thu: 'THU', fri: 'FRI', sat: 'SAT' } as const;

/**
 * Assignment on the shift: the agents API (records, availability) and the shift-start schedule, fired at the
 * SLA calendar's opening time on its work days in its time zone, that hands the cases which arrived off shift
 * to the agents on shift. (Cases opened during the shift are assigned by the outbox stream consumer.)
 */
export class Assignment extends Construct {
  readonly api: AppFunction;
  readonly shiftStart: AppFunction;
  /** Shift-start runs that failed every retry. */
  readonly parked: Queue;

  constructor(scope: Construct, id: string, props: { storage: Storage; api: TrustdeskApi }) {
    super(scope, id);
    const { storage } = props;
    const { calendar } = parseSlaPolicy(slaPolicyJson);

    this.api = new AppFunction(this, 'AgentsApi', { handlerDir: 'agents-api', description: 'Agent records and availability' })
      .useTable(storage.casesTable, 'CASES_TABLE')
      .useTable(storage.agentsTable, 'AGENTS_TABLE');
    props.api.agentRoute('GET', '/agents', this.api);
    props.api.agentRoute('PUT', '/agents/{agentId}', this.api);
    props.api.agentRoute('POST', '/agents/me/availability', this.api);

    const parked = (this.parked = parkedRecordsQueue(this, 'ParkedShiftStarts', 'the shift-start assignment schedule'));
    this.shiftStart = new AppFunction(this, 'ShiftStart', {
      handlerDir: 'assignment',
      description: 'Assigns the cases waiting since the last shift to the agents on shift',
      timeout: Duration.minutes(5),
      onFailure: new SqsDestination(parked),
    })
      .useTable(storage.casesTable, 'CASES_TABLE')
      .useTable(storage.agentsTable, 'AGENTS_TABLE', 'read');
    // markAssigned writes the round-robin turn.
    storage.agentsTable.grantWriteData(this.shiftStart);

    const role = new Role(this, 'ShiftSchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    acknowledge(role, `AwsSolutions-IAM5[Resource::${arnToken(this.shiftStart)}:*]`, "CDK's invoke grant on the shift-start function and its versions/aliases (<fn>:*): the one function the schedule runs.");
    const [hour, minute] = calendar.open.split(':').map(Number);
    const days = calendar.workDays.map((d) => CRON_DAYS[d]).join(',');
    new Schedule(this, 'ShiftStartAssignment', {
      description: 'Assign the cases that arrived off shift when the shift starts',
      schedule: ScheduleExpression.expression(`cron(${minute} ${hour} ? * ${days} *)`, TimeZone.of(calendar.timeZone)),
      target: new LambdaInvoke(this.shiftStart, { role, retryAttempts: 3, maxEventAge: Duration.hours(2), deadLetterQueue: parked }),
    });
  }
}
