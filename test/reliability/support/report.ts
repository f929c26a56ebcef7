import type { Failure, LoadResult } from './load.ts';

/** Nearest-rank percentile of unsorted samples; 0 for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Mean of the samples with the lowest and highest `trim` fraction dropped: one GC spike does not move it. */
export function trimmedMean(samples: readonly number[], trim = 0.2): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const drop = Math.floor(sorted.length * trim);
  const kept = sorted.slice(drop, sorted.length - drop);
  return kept.reduce((sum, value) => sum + value, 0) / Math.max(kept.length, 1);
}

/** reviews lost: received by the service (it logged them) but never answered right to the client. */
export function lostReviews(reviewed: ReadonlySet<string>, result: LoadResult): string[] {
  return [...reviewed].filter((uid) => !result.answered.has(uid));
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** "20000 reviews at concurrency 256 in 6.1 s (3279/s), 0 failed, 0 lost, p99 41 ms, max 80 ms" */
/** `failed` defaults to every failure; a caller that explains some of them (refused after shutdown) passes the rest. */
export function loadFigures(result: LoadResult, how: string, lost: number, failed = result.failures.length): string {
  const rate = Math.round(result.sent / (result.elapsedMs / 1000));
  const p99 = Math.round(percentile(result.latenciesMs, 99));
  const max = Math.round(percentile(result.latenciesMs, 100));
  return `${result.sent} reviews ${how} in ${seconds(result.elapsedMs)} (${rate}/s), ${failed} failed, ${lost} lost, p99 ${p99} ms, max ${max} ms`;
}

/** The first few failures, grouped by what went wrong, for an assertion message a person can act on. */
export function describeFailures(failures: readonly Failure[], limit = 10): string {
  const counts = new Map<string, number>();
  for (const failure of failures) {
    const key = `${failure.kind}${failure.code ? ` ${failure.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const summary = [...counts].map(([key, count]) => `${count}× ${key}`).join(', ');
  const examples = failures.slice(0, limit).map((failure) => `  ${failure.uid}: ${failure.kind} ${failure.detail}`);
  return [summary, ...examples].join('\n');
}

/** The one line each run prints: what it tried and what was lost. */
export function printSummary(line: string): void {
  console.log(line);
}
