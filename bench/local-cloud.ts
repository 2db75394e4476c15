// A local cloud for benchmarks: in memory, on free ports, quiet.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '#local/cloud.ts';
import { freePort } from '#local/free-port.ts';

// The bench runs on Node 20 locally; Lambda runs Node 22. The SDK's notice about that is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The functions' EMF metric lines are stdout noise here (the tests silence them the same way).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function benchCloud(extra: Partial<LocalCloudOptions> = {}): Promise<{ cloud: LocalCloud; startMs: number }> {
  const t0 = performance.now();
  const cloud = await startLocalCloud({
    host: '127.0.0.1',
    ports: { api: await freePort(), smtp: await freePort(), ses: await freePort(), dynamodb: await freePort(), s3: await freePort(), sfn: await freePort() },
    dataDir: path.join(root, '.local', 'bench'),
    inMemory: true,
    cdkOutDir: path.join(root, 'cdk.out'),
    stackName: 'Trustdesk',
    log: () => undefined,
    functionLogLevel: 'WARN',
    rateLimitScale: 1000, // the bench posts thousands of inquiries from this machine
    ...extra,
  });
  return { cloud, startMs: performance.now() - t0 };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
