// Bounces and complaints for the local cloud, as SES reports them on AWS. The SES mailbox can be told to
// bounce, or to draw a complaint for, the addresses that match a pattern (`*@bounce.test`,
// `sam@example.com`); for each email it accepts to such an address, the local cloud publishes the SES
// notification (event publishing's shape: `eventType` Bounce or Complaint, `mail.messageId`, the bounced or
// complained recipients) to the SNS topic of the event destination of the configuration set the send named
// — read from the template — so it takes the mail-feedback function's path, as on AWS. A send that names
// no configuration set, or one without a destination for that event, gets no notification (as on AWS).
// Delivery reports that do reach the intake address (a server answering the From) still arrive as inbound
// mail: tests send those over SMTP.
import { randomUUID } from 'node:crypto';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

/** `*` matches any run of characters; case does not matter. */
export function bouncePattern(pattern: string): RegExp {
  const escaped = pattern.trim().toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export const bounces = (patterns: RegExp[], address: string): boolean => patterns.some((p) => p.test(address.trim().toLowerCase()));

/** An email the SES proxy accepted for a recipient whose mail bounces or who complains (the faults' patterns). */
export interface SesFeedbackFault {
  kind: 'bounce' | 'complaint';
  /** The SES message id the mailbox gave the email. */
  messageId: string;
  to: string;
  /** The send's Source (the sender). */
  from: string;
  subject: string;
  /** The configuration set the send named (ConfigurationSetName), if any. */
  configurationSet?: string;
}

/** Where SES publishes which events of each configuration set (by its name): the template's SNS event destinations. */
export function snsEventDestinations(template: CfnTemplate, ctx: IntrinsicContext): Map<string, { topicArn: string; events: string[] }[]> {
  const byName = new Map<string, { topicArn: string; events: string[] }[]>();
  for (const [, resource] of resourcesOfType(template, 'AWS::SES::ConfigurationSetEventDestination')) {
    const props = resource.Properties ?? {};
    const destination = (props.EventDestination ?? {}) as { Enabled?: boolean; MatchingEventTypes?: string[]; SnsDestination?: { TopicARN?: unknown } };
    if (destination.Enabled === false || !destination.SnsDestination) continue;
    const name = String(resolveIntrinsics(props.ConfigurationSetName, ctx));
    const list = byName.get(name) ?? [];
    list.push({ topicArn: String(resolveIntrinsics(destination.SnsDestination.TopicARN, ctx)), events: (destination.MatchingEventTypes ?? []).map((e) => e.toLowerCase()) });
    byName.set(name, list);
  }
  return byName;
}

/** The SES notification (event publishing) of one bounce or complaint, as SES writes it into the SNS message. */
export function sesNotification(fault: SesFeedbackFault, opts: { now: Date }): Record<string, unknown> {
  const at = opts.now.toISOString();
  const mail = {
    timestamp: at,
    source: fault.from,
    sendingAccountId: '000000000000',
    messageId: fault.messageId,
    destination: [fault.to],
    headersTruncated: false,
    commonHeaders: { to: [fault.to], subject: fault.subject },
    ...(fault.configurationSet && { tags: { 'ses:configuration-set': [fault.configurationSet] } }),
  };
  const feedbackId = `${fault.messageId}-${randomUUID()}`;
  if (fault.kind === 'bounce') {
    return {
      eventType: 'Bounce',
      bounce: {
        feedbackId,
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: fault.to, action: 'failed', status: '5.1.1', diagnosticCode: `smtp; 550 5.1.1 <${fault.to}>: Recipient address rejected: User unknown in virtual mailbox table` }],
        timestamp: at,
        reportingMTA: 'dsn; mx.bounce.local',
      },
      mail,
    };
  }
  return {
    eventType: 'Complaint',
    complaint: { feedbackId, complainedRecipients: [{ emailAddress: fault.to }], timestamp: at, complaintFeedbackType: 'abuse', userAgent: 'trustdesk local cloud' },
    mail,
  };
}

export interface SesFeedbackPublisher {
  /** Publish the fault's notification (in the background, once `after` resolves). */
  report(fault: SesFeedbackFault): void;
  /** Resolves once every notification reported so far was published. */
  whenIdle(): Promise<void>;
}

/**
 * Publishes each fault's notification to the topics its configuration set's destinations name for that
 * event. SES's notifications come seconds after the send call answered, never before the sender has
 * recorded what it sent: locally each waits for `after` (the functions that send are idle) first.
 */
export function sesFeedbackPublisher(o: {
  destinations: Map<string, { topicArn: string; events: string[] }[]>;
  publish: (topicArn: string, message: string) => void;
  after?: () => Promise<void>;
  now: () => Date;
  log: (line: string) => void;
}): SesFeedbackPublisher {
  const inFlight = new Set<Promise<void>>();
  return {
    report(fault) {
      const topics = (fault.configurationSet ? (o.destinations.get(fault.configurationSet) ?? []) : []).filter((d) => d.events.includes(fault.kind)).map((d) => d.topicArn);
      if (topics.length === 0) {
        o.log(`ses fault: ${fault.messageId} ${fault.kind}: the send named no configuration set with a ${fault.kind} destination; nothing published`);
        return;
      }
      const work = (async () => {
        await o.after?.();
        const message = JSON.stringify(sesNotification(fault, { now: o.now() }));
        for (const topic of topics) o.publish(topic, message);
      })().catch((error: Error) => o.log(`ses fault: publishing ${fault.kind} failed: ${error.message}`));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    whenIdle: async () => {
      await Promise.all([...inFlight]);
    },
  };
}
