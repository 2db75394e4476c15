// The case's domain events for other teams (payments, creators, product): one EventBridge bus the outbox
// publishes to (functions/lib/use-cases/publish-domain-events.ts), so a team subscribes with a rule on the bus
// instead of asking trustdesk for a webhook. The schema is `events/domain-events.ts` (and its JSON Schema file);
// the README lists each detail-type. An archive keeps 30 days of events so a subscriber that was down, or a new
// one, can replay them (EventBridge's StartReplay) without trustdesk re-sending anything. Delivery to a
// subscriber's target is the subscriber's rule (its retry policy and DLQ); a publish that EventBridge refuses
// fails the outbox record, which is retried and then parked in ParkedOutbox (alarmed).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { DOMAIN_EVENT_SOURCE } from '#domain/domain-events.ts';

export class DomainEvents extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: 'trustdesk-domain-events', description: 'The case domain events of trustdesk (source trustdesk.cases), for other teams to subscribe to with rules' });
    this.bus.archive('Archive', {
      description: 'Thirty days of domain events, for subscribers to replay',
      eventPattern: { source: [DOMAIN_EVENT_SOURCE] },
      retention: Duration.days(30),
    });
    this.bus.applyRemovalPolicy(props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
  }
}
