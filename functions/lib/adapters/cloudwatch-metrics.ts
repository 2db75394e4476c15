// Metrics as CloudWatch embedded metric format (EMF): one JSON line on stdout per count, which Lambda's
// log pipeline turns into a metric. No API call, no extra latency; locally the line shows in stdout.
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '../metrics.ts';
import type { Metrics } from '../ports.ts';

export class EmfMetrics implements Metrics {
  private readonly emf = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

  count(name: MetricName, value = 1): void {
    this.emf.addMetric(name, MetricUnit.Count, value);
    // Flushed at once (synchronously, so concurrent invocations never mix): a count survives a later
    // failure of the invocation, and the handlers need no end-of-invocation hook.
    this.emf.publishStoredMetrics();
  }
}
