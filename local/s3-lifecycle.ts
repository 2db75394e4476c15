/**
 * S3 lifecycle expiration for the local cloud: each bucket's `LifecycleConfiguration` expiration rules from the
 * template (prefix, `ExpirationInDays`), applied on the local clock. The local S3 stamps objects with the
 * virtual `Date.now()`, so moving the clock (`POST /local/clock`) ages them like real days would; a sweep runs
 * after every clock move and once a minute. AWS deletes expired objects asynchronously, some time after they
 * are due; here they go at the first sweep after. The local S3 keeps no versions, so noncurrent-version rules
 * have nothing to act on.
 */
import type { VirtualClock } from './clock.ts';
import type { LocalS3 } from './s3-server.ts';
import { resourcesOfType, type CfnTemplate } from './template.ts';

export interface ExpirationRule {
  bucket: string;
  id: string;
  prefix: string;
  days: number;
}

interface LifecycleRuleProperties {
  Id?: string;
  Status?: string;
  Prefix?: string;
  Filter?: { Prefix?: string };
  ExpirationInDays?: number;
}

const DAY_MS = 86_400_000;
const SWEEP_EVERY_MS = 60_000;

/** The enabled expiration rules of every bucket, the bucket named as the local cloud names it. */
export function expirationRules(template: CfnTemplate, bucketName: (logicalId: string) => string): ExpirationRule[] {
  return resourcesOfType(template, 'AWS::S3::Bucket').flatMap(([logicalId, resource]) => {
    const rules = ((resource.Properties?.['LifecycleConfiguration'] as { Rules?: LifecycleRuleProperties[] } | undefined)?.Rules ?? []);
    return rules
      .filter((r) => r.Status === 'Enabled' && typeof r.ExpirationInDays === 'number')
      .map((r, i) => ({ bucket: bucketName(logicalId), id: r.Id ?? `rule-${i + 1}`, prefix: r.Filter?.Prefix ?? r.Prefix ?? '', days: r.ExpirationInDays! }));
  });
}

export interface S3Lifecycle {
  rules: ExpirationRule[];
  /** Delete every object due by the clock now; the keys deleted, per bucket. */
  sweep(): Promise<{ bucket: string; key: string }[]>;
  stop(): void;
}

export function startS3Lifecycle(opts: { rules: ExpirationRule[]; s3: LocalS3; clock: VirtualClock; log?: (line: string) => void }): S3Lifecycle {
  let running: Promise<{ bucket: string; key: string }[]> = Promise.resolve([]);
  const sweep = () => {
    running = running.then(async () => {
      const deleted: { bucket: string; key: string }[] = [];
      for (const rule of opts.rules) {
        const keys = await opts.s3.deleteModifiedBefore(rule.bucket, rule.prefix, opts.clock.now() - rule.days * DAY_MS);
        deleted.push(...keys.map((key) => ({ bucket: rule.bucket, key })));
        if (keys.length > 0) opts.log?.(`s3 lifecycle ${rule.bucket}/${rule.id}: ${keys.length} object(s) expired`);
      }
      return deleted;
    });
    return running;
  };
  const onError = (error: unknown) => opts.log?.(`s3 lifecycle sweep failed: ${(error as Error).message}`);
  const unsubscribe = opts.clock.onChange(() => void sweep().catch(onError));
  const timer = setInterval(() => void sweep().catch(onError), SWEEP_EVERY_MS);
  timer.unref();
  return {
    rules: opts.rules,
    sweep,
    stop() {
      unsubscribe();
      clearInterval(timer);
    },
  };
}
