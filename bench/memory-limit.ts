import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryCgroup } from '../test/reliability/support/memory-cgroup.ts';
import { largeReviewText } from '../test/support/large-review.ts';
import { runCounted, type LoadgenResult } from './lib/loadgen.ts';
import { rssBytes } from './lib/proc-stats.ts';
import { ROOT, tempDir } from './lib/processes.ts';
import { startBenchService } from './side-by-side.ts';

const MIB = 1024 * 1024;

export interface LimitedRun {
  readonly what: string;
  readonly concurrency: number;
  readonly result: LoadgenResult;
  readonly peakBytes: number;
  readonly limitHits: number;
  readonly oomKills: number;
  readonly alive: boolean;
}

export type MemoryLimitReport = { readonly skipped: string } | { readonly limitBytes: number; readonly idleRssBytes: number; readonly idleChargedBytes: number; readonly runs: readonly LimitedRun[] };

export interface MemoryLimitOptions {
  readonly limitMiB: number;
  readonly realisticReviews: number;
  readonly largeReviews: number;
}

/**
 * The service in a memory cgroup of its own, as the kubelet runs a container with
 * `resources.limits.memory`: a burst of realistic reviews at concurrency 256, then reviews
 * near the body limit at concurrency 64. Each answer is a 200 or the budget's 429; what
 * counts is that no request goes unanswered and the kernel kills nothing.
 */
export async function measureMemoryLimit(options: MemoryLimitOptions): Promise<MemoryLimitReport> {
  const limitBytes = options.limitMiB * MIB;
  const group = createMemoryCgroup(`sidecar-injector-bench-${process.pid}`, limitBytes);
  if (typeof group === 'string') return { skipped: group };
  const work = tempDir('memory-limit');
  const large = join(work, 'large.review.json');
  writeFileSync(large, largeReviewText(2.4 * MIB));
  const realistic = join(ROOT, 'test', 'fixtures', 'admission', 'many-containers-app-wins.review.json');
  const service = await startBenchService({}, { launcher: group.launcher });
  try {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleRssBytes = rssBytes(service.pid);
    const idleChargedBytes = group.usageBytes();
    const ca = join(service.tlsDir, 'ca.crt');
    const url = `https://127.0.0.1:${service.port}/inject`;
    const runs: LimitedRun[] = [];
    for (const [what, body, concurrency, requests] of [
      ['realistic reviews', realistic, 256, options.realisticReviews],
      ['2.4 MiB reviews', large, 64, options.largeReviews],
    ] as const) {
      group.resetPeak();
      const result = await runCounted({ url, ca, body, concurrency, requests });
      const alive = service.child.exitCode === null && service.child.signalCode === null;
      runs.push({ what, concurrency, result, peakBytes: group.peakBytes(), limitHits: group.limitHits(), oomKills: group.oomKills(), alive });
      process.stderr.write(`bench: under ${options.limitMiB} Mi, ${requests} ${what} at c=${concurrency}: ${JSON.stringify(result.statuses)}, peak ${(group.peakBytes() / MIB).toFixed(0)} MiB, ${alive ? 'alive' : 'DEAD'}\n`);
      if (!alive) break;
    }
    return { limitBytes, idleRssBytes, idleChargedBytes, runs };
  } finally {
    await service.stop();
    await group.remove();
  }
}
