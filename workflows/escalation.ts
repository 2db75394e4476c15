// Escalation of one case: each tier is told by email and has a deadline to acknowledge; silence moves
// the case up a tier; an acknowledgement stops the chain at once.
import { Choice, Condition, Errors, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { EscalationTier } from '#domain/case.ts';
import { step, waitFor, type WorkflowSteps } from './case-lifecycle.ts';
import { STEP } from './steps.ts';

export function escalation(scope: Construct, { steps }: WorkflowSteps): IChainable {
  const acknowledged = new Succeed(scope, 'Acknowledged');
  const unacknowledged = step(scope, 'Nobody acknowledged: record it', steps, STEP.escalationExhausted);

  const tier = (name: EscalationTier, label: string) => {
    const notify = step(scope, `Notify ${label}`, steps, STEP.notifyTier, { tier: name });
    const awaitAck = waitFor(scope, `Wait for ${label} to acknowledge`, steps, STEP.awaitAck, { tier: name });
    notify.next(awaitAck);
    awaitAck.next(acknowledged);
    return { notify, awaitAck };
  };
  const l1 = tier('L1', 'the L1 lead');
  const l2 = tier('L2', 'the L2 specialist');
  const risk = tier('risk', 'the risk team on-call');

  l1.awaitAck.addCatch(l2.notify, { errors: [Errors.TIMEOUT], resultPath: '$.expired' });
  l2.awaitAck.addCatch(risk.notify, { errors: [Errors.TIMEOUT], resultPath: '$.expired' });
  risk.awaitAck.addCatch(unacknowledged, { errors: [Errors.TIMEOUT], resultPath: '$.expired' });

  return new Choice(scope, 'Which tier first?')
    .when(Condition.stringEquals('$.startTier', 'risk'), risk.notify)
    .when(Condition.stringEquals('$.startTier', 'L2'), l2.notify)
    .otherwise(l1.notify);
}
