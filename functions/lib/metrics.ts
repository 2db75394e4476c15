// The product's own CloudWatch metrics: one namespace, the service as the only dimension (each extra
// dimension value is another billed metric). Infra alarms on these names, so they live in one place.

export const METRICS_NAMESPACE = 'Trustdesk';
/** The `service` dimension Powertools adds to every metric (POWERTOOLS_SERVICE_NAME of every function). */
export const METRICS_SERVICE = 'trustdesk';

export const METRIC = {
  /**
   * A new case was opened (web form, email, or an incident the aggregator opened). Counted by the aggregator
   * from the stream, once per case.opened event it counts: a replayed submission writes no event, and a
   * redelivered batch counts nothing twice. Intake stays free of it (bundle size, cold start).
   */
  casesOpened: 'CasesOpened',
  /** A first-response or resolution deadline passed with the case still waiting on the team. */
  slaBreached: 'SlaBreached',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
