import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mainThreadCpuSeconds, sampleRss } from './proc-stats.ts';
import { ROOT } from './processes.ts';

const BINARY = join(ROOT, '.cache', 'bench', 'loadgen');
const SOURCE = join(ROOT, 'bench', 'loadgen');

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Server main-thread CPU per answered request, warm-up included in neither. */
  readonly cpuMicrosPerRequest: number;
  readonly peakRssBytes: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly ca: string;
  readonly body: string;
  readonly serverPid: number;
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly warmupSeconds?: number;
  /** Open loop at this many requests per second; closed loop when absent. */
  readonly rate?: number;
}

/** Builds the Go load generator once (and again when its source changes). */
export function ensureLoadgen(): void {
  const source = join(SOURCE, 'main.go');
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs > statSync(source).mtimeMs) return;
  process.stderr.write('bench: building the Go load generator\n');
  execFileSync('go', ['build', '-o', BINARY, '.'], { cwd: SOURCE, stdio: 'inherit' });
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const warmup = options.warmupSeconds ?? 1;
  const args = ['-url', options.url, '-ca', options.ca, '-body', options.body, '-concurrency', String(options.concurrency), '-duration', `${options.durationSeconds}s`, '-warmup', `${warmup}s`, '-rate', String(options.rate ?? 0)];
  return new Promise((resolve, reject) => {
    let cpuStart = 0;
    // CPU is read around the measured window only: after warm-up, before the loadgen stops.
    const warm = setTimeout(() => (cpuStart = mainThreadCpuSeconds(options.serverPid)), warmup * 1000);
    let cpuEnd = 0;
    const done = setTimeout(() => (cpuEnd = mainThreadCpuSeconds(options.serverPid)), (warmup + options.durationSeconds) * 1000);
    const peak = sampleRss(options.serverPid);
    import('node:child_process').then(({ execFile }) =>
      execFile(BINARY, args, { maxBuffer: 1 << 20 }, (error, stdout) => {
        clearTimeout(warm);
        clearTimeout(done);
        const peakRssBytes = peak();
        if (error) return reject(error);
        const result = JSON.parse(stdout) as Omit<LoadResult, 'cpuMicrosPerRequest' | 'peakRssBytes'>;
        const cpu = (cpuEnd || mainThreadCpuSeconds(options.serverPid)) - cpuStart;
        resolve({ ...result, cpuMicrosPerRequest: result.requests > 0 ? (cpu * 1e6) / result.requests : 0, peakRssBytes });
      }),
    ).catch(reject);
  });
}
