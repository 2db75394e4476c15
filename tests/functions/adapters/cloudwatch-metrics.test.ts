// The EMF adapter: each count is one embedded-metric-format line on stdout, which CloudWatch turns
// into a metric in the Trustdesk namespace with the service as its only dimension.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfMetrics } from '#lib/adapters/cloudwatch-metrics.ts';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '#lib/metrics.ts';

function captureStdout(): { lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('EmfMetrics', () => {
  it('writes one EMF line per count, in the Trustdesk namespace with only the service dimension', () => {
    // As on Lambda: the integration setup turns metrics off for its own local cloud, and workers inherit it.
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const stdout = captureStdout();
    const metrics = new EmfMetrics();
    metrics.count(METRIC.slaBreached);
    metrics.count(METRIC.casesOpened);
    const lines = stdout.lines();
    expect(lines).toHaveLength(2);
    const [breach, opened] = lines;
    expect(breach).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: [{ Name: 'SlaBreached', Unit: 'Count' }] }] },
      service: METRICS_SERVICE,
      SlaBreached: 1,
    });
    expect(typeof (breach!._aws as { Timestamp: unknown }).Timestamp).toBe('number');
    expect(opened).toMatchObject({ service: METRICS_SERVICE, CasesOpened: 1 });
    // A flushed count is not carried into the next line.
    expect(opened).not.toHaveProperty('SlaBreached');
  });
});
