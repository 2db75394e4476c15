import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag (AwsSolutions pack) finding on a construct and its children. The reason is
 * required and must say why the finding is acceptable here: an acknowledgement without one cannot be made.
 * `id` is the rule (`AwsSolutions-L1`) or one finding of it (`AwsSolutions-IAM5[Action::kms:ReEncrypt*]`).
 */
export function acknowledge(construct: IConstruct, id: `AwsSolutions-${string}`, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`acknowledging ${id} on ${construct.node.path}: give a reason (at least a sentence)`);
  Validations.of(construct).acknowledge({ id, reason: reason.trim() });
  const acknowledged = acknowledgements.get(construct.node.path) ?? [];
  acknowledged.push({ id, reason: reason.trim() });
  acknowledgements.set(construct.node.path, acknowledged);
}

/** Every acknowledgement made in this process, by construct path (the nag test lists them). */
export const acknowledgements = new Map<string, { id: string; reason: string }[]>();

/** How cdk-nag names a resource in IAM5 findings: `<LogicalId.Arn>`. */
export function arnToken(resource: IConstruct): string {
  const cfn = (resource.node.defaultChild ?? resource) as CfnElement;
  return `<${Stack.of(resource).getLogicalId(cfn)}.Arn>`;
}
