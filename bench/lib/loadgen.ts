import { execFile, execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mainThreadCpuSeconds, processCpuSeconds, sampleRss } from './proc-stats.ts';
import { ROOT } from './processes.ts';

const BINARY = join(ROOT, '.cache', 'bench', 'loadgen');
const SOURCE = join(ROOT, 'bench', 'loadgen');

/** What the Go load generator reports (see bench/loadgen/main.go). */
export interface LoadgenResult {
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers by HTTP status; "error" counts requests that got none. */
  readonly statuses: Readonly<Record<string, number>>;
}

export interface LoadResult extends LoadgenResult {
  /** Server CPU (all threads) per answered request, over the measured window only. */
  readonly cpuMicrosPerRequest: number;
  /** The same for the main thread alone, where the JavaScript runs; the rest is mostly GC helpers. */
  readonly mainThreadMicrosPerRequest: number;
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
  /** Commands that run the load generator (e.g. `taskset -c 1`). */
  readonly launcher?: readonly string[];
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
    const cpuNow = () => ({ all: processCpuSeconds(options.serverPid), main: mainThreadCpuSeconds(options.serverPid) });
    let cpuStart = { all: 0, main: 0 };
    // CPU is read around the measured window only: after warm-up, before the loadgen stops.
    const warm = setTimeout(() => (cpuStart = cpuNow()), warmup * 1000);
    let cpuEnd: { all: number; main: number } | undefined;
    const done = setTimeout(() => (cpuEnd = cpuNow()), (warmup + options.durationSeconds) * 1000);
    const peak = sampleRss(options.serverPid);
    import('node:child_process')
      .then(({ execFile }) =>
        execFile(...launched(options.launcher, args), { maxBuffer: 1 << 20 }, (error, stdout) => {
          clearTimeout(warm);
          clearTimeout(done);
          const peakRssBytes = peak();
          if (error) return reject(error);
          const result = JSON.parse(stdout) as LoadgenResult;
          const end = cpuEnd ?? cpuNow();
          const perRequest = (seconds: number) => (result.requests > 0 ? (seconds * 1e6) / result.requests : 0);
          resolve({ ...result, cpuMicrosPerRequest: perRequest(end.all - cpuStart.all), mainThreadMicrosPerRequest: perRequest(end.main - cpuStart.main), peakRssBytes });
        }),
      )
      .catch(reject);
  });
}

export interface CountedOptions {
  readonly url: string;
  readonly ca: string;
  readonly body: string;
  readonly concurrency: number;
  /** Requests measured, after `warmupRequests` unmeasured ones on the same connections. */
  readonly requests: number;
  readonly warmupRequests?: number;
  /** Shell command run as measuring starts, and with the argument "stop" as it ends. */
  readonly onMeasure?: string;
}

/** Exactly `requests` requests, closed loop, however long they take: for work per request where time means nothing. */
export function runCounted(options: CountedOptions): Promise<LoadgenResult> {
  const args = ['-url', options.url, '-ca', options.ca, '-body', options.body, '-concurrency', String(options.concurrency), '-requests', String(options.requests), '-warmup-requests', String(options.warmupRequests ?? 0)];
  if (options.onMeasure) args.push('-on-measure', options.onMeasure);
  return new Promise((resolve, reject) => {
    execFile(BINARY, args, { maxBuffer: 1 << 20 }, (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as LoadgenResult)));
  });
}

function launched(launcher: readonly string[] = [], args: string[]): [string, string[]] {
  const [command, ...rest] = [...launcher, BINARY, ...args];
  return [command!, rest];
}
