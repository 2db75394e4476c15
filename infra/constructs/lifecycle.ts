import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { caseLifecycle } from '../../workflows/case-lifecycle.ts';
import { consult } from '../../workflows/consult.ts';
import { escalation } from '../../workflows/escalation.ts';
import type { StackConfig } from '../config.ts';
import { acknowledge, arnToken } from '../nag.ts';
import { AppFunction } from './app-function.ts';
import type { MailFeedback } from './mail-feedback.ts';
import type { Storage } from './storage.ts';

/**
 * Lifecycle: one Standard execution per case (started from the table's stream, named by the case id so
 * a redelivery cannot start a second), an escalation execution per escalation, and the functions that
 * run their steps (committed changes become workflow signals in the outbox, outbox.ts).
 */
export class Lifecycle extends Construct {
  readonly steps: AppFunction;
  /** The machines' ARNs, as the functions that start or resume them read them. */
  readonly machineEnv: { LIFECYCLE_STATE_MACHINE_ARN: string; ESCALATION_STATE_MACHINE_ARN: string; CONSULT_STATE_MACHINE_ARN: string };
  /** Starting the machines and answering their task tokens. */
  readonly taskApi: PolicyStatement;
  readonly caseLifecycle: StateMachine;
  readonly escalation: StateMachine;
  /** One short execution per consult: its reminder and its escalation to the team's lead. */
  readonly consult: StateMachine;

  constructor(scope: Construct, id: string, props: { storage: Storage; mailFeedback: MailFeedback; config: StackConfig }) {
    super(scope, id);
    const { storage, config } = props;
    const stack = Stack.of(this);
    // Names fixed up front so functions can address the machines that invoke them without a cycle.
    const names = { lifecycle: `${stack.stackName}-case-lifecycle`, escalation: `${stack.stackName}-escalation`, consult: `${stack.stackName}-consult` };
    const arnOf = (name: string) =>
      stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const machineEnv = (this.machineEnv = {
      LIFECYCLE_STATE_MACHINE_ARN: arnOf(names.lifecycle),
      ESCALATION_STATE_MACHINE_ARN: arnOf(names.escalation),
      CONSULT_STATE_MACHINE_ARN: arnOf(names.consult),
    });
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
  }
}
