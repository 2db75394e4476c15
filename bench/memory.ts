// Peak memory: this Node process (sampled) and DynamoDB Local (the kernel's high-water mark).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function sampleRss(intervalMs = 50): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/** VmHWM of the DynamoDB Local java process listening on the endpoint's port (Linux only). */
export function dynamoDbLocalPeakBytes(endpoint: string): number | undefined {
  const port = new URL(endpoint).port;
  try {
    const pids = execFileSync('pgrep', ['-f', `DynamoDBLocal.jar -port ${port} `], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    const status = readFileSync(`/proc/${pids[0]}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
