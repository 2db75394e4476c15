import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { caseLifecycle } from '../../workflows/case-lifecycle.ts';
import { consult } from '../../workflows/consult.ts';
import { escalation } from '../../workflows/escalation.ts';
import { caseTimer } from '../../workflows/timer.ts';
import type { StackConfig } from '../config.ts';
import { acknowledge, arnToken } from '../nag.ts';
import { AppFunction } from './app-function.ts';
import type { MailFeedback } from './mail-feedback.ts';
import type { Storage } from './storage.ts';

/**
 * Lifecycle: one Standard execution per case (started from the table's stream, named by the case id so
 * a redelivery cannot start a second), an escalation execution per escalation, and the functions that
 * run their steps (committed changes become workflow signals in the outbox, outbox.ts). A case's far
 * timers are alarms: one-time schedules in the case-timers group that start the short case-timer machine
 * (workflows/timer.ts) with the scheduler's own role, so no execution waits out days (bench/SCALE.md).
 */
export class Lifecycle extends Construct {
  readonly steps: AppFunction;
  /** The machines' ARNs, as the functions that start or resume them read them. */
  readonly machineEnv: {
    LIFECYCLE_STATE_MACHINE_ARN: string;
    ESCALATION_STATE_MACHINE_ARN: string;
    CONSULT_STATE_MACHINE_ARN: string;
    TIMER_STATE_MACHINE_ARN: string;
    TIMER_SCHEDULE_GROUP: string;
    TIMER_SCHEDULER_ROLE_ARN: string;
  };
  /** Starting the machines and answering their task tokens. */
  readonly taskApi: PolicyStatement;
  /** Setting and taking back cases' alarms (schedules of the case-timers group), and handing them the scheduler's role. */
  readonly alarmsApi: PolicyStatement[];
  /** The short execution an alarm starts. */
  readonly caseTimer: StateMachine;
  private readonly alarmGroupId: string;
  readonly caseLifecycle: StateMachine;
  readonly escalation: StateMachine;
  /** One short execution per consult: its reminder and its escalation to the team's lead. */
  readonly consult: StateMachine;

  constructor(scope: Construct, id: string, props: { storage: Storage; mailFeedback: MailFeedback; config: StackConfig }) {
    super(scope, id);
    const { storage, config } = props;
    const stack = Stack.of(this);
    // Names fixed up front so functions can address the machines that invoke them without a cycle.
    const names = {
      lifecycle: `${stack.stackName}-case-lifecycle`,
      escalation: `${stack.stackName}-escalation`,
      consult: `${stack.stackName}-consult`,
      timer: `${stack.stackName}-case-timer`,
    };
    const arnOf = (name: string) =>
      stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // The alarms' group, and the role the scheduler starts the case-timer machine with.
    const group = new CfnScheduleGroup(this, 'CaseTimers', { name: `${stack.stackName}-case-timers` });
    const schedulerRole = new Role(this, 'AlarmRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: "Cases' alarms start the case-timer machine",
    });
    schedulerRole.addToPolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [arnOf(names.timer)] }));
    const machineEnv = (this.machineEnv = {
      LIFECYCLE_STATE_MACHINE_ARN: arnOf(names.lifecycle),
      ESCALATION_STATE_MACHINE_ARN: arnOf(names.escalation),
      CONSULT_STATE_MACHINE_ARN: arnOf(names.consult),
      TIMER_STATE_MACHINE_ARN: arnOf(names.timer),
      TIMER_SCHEDULE_GROUP: group.ref,
      TIMER_SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
    });
    this.alarmGroupId = stack.getLogicalId(group);
    const alarmsApi = (this.alarmsApi = [
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group.ref}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      }),
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [schedulerRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } }),
    ]);
    const taskApi = (this.taskApi = new PolicyStatement({
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:StartExecution'],
      resources: [arnOf(names.lifecycle), arnOf(names.escalation), arnOf(names.consult)],
    }));

    this.steps = new AppFunction(this, 'Steps', {
      handlerDir: 'workflow-steps',
      description: 'Runs the steps of the lifecycle and escalation workflows',
      environment: { ...machineEnv, SENDER_ADDRESS: config.senderAddress, CONSOLE_URL: config.consoleUrl },
    }).useTable(storage.casesTable, 'CASES_TABLE');
    this.steps.addToRolePolicy(taskApi);
    for (const statement of alarmsApi) this.steps.addToRolePolicy(statement);
    this.allowAlarms(this.steps);
    this.steps.allowSendEmail(props.mailFeedback.configurationSet);

    const machine = (machineId: string, name: string, definition: IChainable) => {
      const sm = new StateMachine(this, machineId, {
        stateMachineName: name,
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromChainable(definition),
        tracingEnabled: true,
        logs: {
          destination: new LogGroup(this, `${machineId}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
          // Every state transition, but never its input/output: case data stays out of the logs.
          level: LogLevel.ALL,
          includeExecutionData: false,
        },
      });
      acknowledge(sm.role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing of the state machine (xray:PutTraceSegments, GetSamplingRules…) and the vended delivery of its logs (logs:CreateLogDelivery, DescribeLogGroups…) support no resource-level permissions.');
      acknowledge(sm.role, `AwsSolutions-IAM5[Resource::${arnToken(this.steps)}:*]`, "CDK's LambdaInvoke grant on the steps function and its versions/aliases (<fn>:*): the one function the machine runs.");
      return sm;
    };
    this.caseLifecycle = machine('CaseLifecycle', names.lifecycle, caseLifecycle(this, { steps: this.steps }));
    this.escalation = machine('Escalation', names.escalation, escalation(this, { steps: this.steps }));
    this.consult = machine('Consult', names.consult, consult(this, { steps: this.steps }));
    this.caseTimer = machine('CaseTimer', names.timer, caseTimer(this, { steps: this.steps }));
  }

  /** Lets a function set and take back cases' alarms. */
  allowAlarms(fn: AppFunction): void {
    for (const statement of this.alarmsApi) fn.addToRolePolicy(statement);
    acknowledge(
      fn.role!,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${this.alarmGroupId}>/*]`,
      "One alarm per case and lifecycle version, named at run time: the grant is the case-timers group's schedules, no other group's.",
    );
  }
}
