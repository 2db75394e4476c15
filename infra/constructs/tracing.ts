// How much of trustdesk X-Ray records: one sampling rule for every trace root the stack has — the API
// stage and the state machines, both of which follow the account's centralized sampling rules. Functions
// trace in pass-through mode (AppFunction's default), so a function invoked by the API or by a state
// machine joins the trace its caller sampled and nothing else starts one; stream-triggered invocations,
// which would otherwise each be a trace root (Lambda's fixed 1 a second plus 5 %, i.e. every one at
// trustdesk's volume), are not traced. The email intake, which nothing upstream traces, keeps Lambda's own
// active sampling. Issue 15 point 7: traces cost $5 per million, and every request was one.
import { CfnSamplingRule } from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';

/** Share of requests beyond the reservoir that are traced. */
export const TRACE_FIXED_RATE = 0.05;
/** Requests a second traced before the fixed rate applies (X-Ray's default rule has 1: every request at our volume). */
export const TRACE_RESERVOIR_PER_SECOND = 0;

export class Tracing extends Construct {
  readonly rule: CfnSamplingRule;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.rule = new CfnSamplingRule(this, 'SamplingRule', {
      samplingRule: {
        ruleName: 'trustdesk',
        priority: 100,
        fixedRate: TRACE_FIXED_RATE,
        reservoirSize: TRACE_RESERVOIR_PER_SECOND,
        serviceName: '*',
        serviceType: '*',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    });
  }
}
