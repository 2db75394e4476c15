// The product's own CloudWatch metrics: one namespace, the service as the only dimension (each extra
// dimension value is another billed metric). Infra alarms on these names, so they live in one place.

export const METRICS_NAMESPACE = 'Trustdesk';
/** The `service` dimension Powertools adds to every metric (POWERTOOLS_SERVICE_NAME of every function). */
export const METRICS_SERVICE = 'trustdesk';

export const METRIC = {
  /** A new case was created from an inquiry (web form or email); a replayed submission is not counted. */
  casesOpened: 'CasesOpened',
  /** A first-response or resolution deadline passed with the case still waiting on the team. */
  slaBreached: 'SlaBreached',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
