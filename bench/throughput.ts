import { join } from 'node:path';
import { runLoad, type LoadResult } from './lib/loadgen.ts';
import { rssBytes } from './lib/proc-stats.ts';
import { httpText, ROOT } from './lib/processes.ts';
import { measureSideBySide, PODS, SERVERS, type PodCase, type Round, type ServerName } from './side-by-side.ts';

/** The concurrency the goals are stated at. */
export const KEY_CONCURRENCY = 32;

/** Median and range of one figure over repeated rounds. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface KeyComparison {
  readonly pod: PodCase;
  readonly rounds: readonly Round[];
  readonly cpu: Readonly<Record<ServerName, Spread>>;
  readonly mainThread: Readonly<Record<ServerName, Spread>>;
  readonly perSecond: Readonly<Record<ServerName, Spread>>;
  readonly p99Ms: Readonly<Record<ServerName, Spread>>;
  /** Per round, CPU per review of one server over another's: the figures the goals are about. */
  readonly serviceOverFloor: Spread;
  readonly floorOverCeiling: Spread;
  readonly serviceOverCeiling: Spread;
  readonly errors: number;
}

export interface SweepRow {
  readonly pod: PodCase;
  readonly concurrency: number;
  readonly round: Round;
}

export interface ThroughputReport {
  readonly key: readonly KeyComparison[];
  readonly sweep: readonly SweepRow[];
  readonly openLoop: LoadResult;
  /** RSS of the service, ready and never loaded, without a cluster. */
  readonly idleRssBytes: number;
  readonly peakRssBytes: number;
  readonly eventLoopLagP99Ms: number;
  readonly eventLoopLagMaxMs: number;
}

export interface ThroughputOptions {
  readonly rounds: number;
  readonly sweep: readonly number[];
  readonly seconds: number;
  readonly openLoopRate: number;
}

/** Start-up's garbage is collected just after the service turns ready: idle is measured once that is done. */
const SETTLE_MS = 2_000;

/**
 * Per pod: the key comparison at concurrency 32, repeated, then one round at each level
 * of the sweep; the realistic pod's service also gets the open-loop run and the figures
 * at rest.
 */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputReport> {
  const key: KeyComparison[] = [];
  const sweep: SweepRow[] = [];
  let idleRssBytes = 0;
  let openLoop: LoadResult | undefined;
  let metrics = '';
  for (const pod of [PODS.realistic, PODS.small]) {
    const realistic = pod === PODS.realistic;
    const plan = [{ concurrency: KEY_CONCURRENCY, rounds: options.rounds }, ...options.sweep.filter((level) => level !== KEY_CONCURRENCY).map((concurrency) => ({ concurrency, rounds: 1 }))];
    const result = await measureSideBySide(
      {
        pod,
        plan,
        seconds: options.seconds,
        atRest: async (service) => {
          if (!realistic) return;
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          idleRssBytes = rssBytes(service.pid);
        },
      },
      async (service) => {
        if (!realistic) return;
        const body = join(ROOT, 'test', 'fixtures', 'admission', `${pod.review}.review.json`);
        openLoop = await runLoad({ url: `https://127.0.0.1:${service.port}/inject`, ca: join(service.tlsDir, 'ca.crt'), body, serverPid: service.pid, concurrency: 64, durationSeconds: options.seconds * 2, rate: options.openLoopRate });
        metrics = await httpText(service.healthPort, '/metrics');
      },
    );
    key.push(compare(pod, result.rounds.get(KEY_CONCURRENCY)!));
    for (const concurrency of [...options.sweep].sort((a, b) => a - b)) sweep.push({ pod, concurrency, round: result.rounds.get(concurrency)![0]! });
  }
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const serviceRuns = [...key.flatMap((comparison) => comparison.rounds), ...sweep.map((row) => row.round)].map((round) => round.service);
  return {
    key,
    sweep,
    openLoop: openLoop!,
    idleRssBytes,
    peakRssBytes: Math.max(...serviceRuns.map((run) => run.peakRssBytes), openLoop!.peakRssBytes),
    eventLoopLagP99Ms: gauge('sidecar_injector_nodejs_eventloop_lag_p99_seconds') * 1000,
    eventLoopLagMaxMs: gauge('sidecar_injector_nodejs_eventloop_lag_max_seconds') * 1000,
  };
}

function compare(pod: PodCase, rounds: readonly Round[]): KeyComparison {
  const per = (pick: (result: LoadResult) => number) => Object.fromEntries(SERVERS.map((name) => [name, spread(rounds.map((round) => pick(round[name])))])) as Record<ServerName, Spread>;
  const ratio = (over: ServerName, under: ServerName) => spread(rounds.map((round) => round[over].cpuMicrosPerRequest / round[under].cpuMicrosPerRequest));
  return {
    pod,
    rounds,
    cpu: per((result) => result.cpuMicrosPerRequest),
    mainThread: per((result) => result.mainThreadMicrosPerRequest),
    perSecond: per((result) => result.perSecond),
    p99Ms: per((result) => result.p99Ms),
    serviceOverFloor: ratio('service', 'floor'),
    floorOverCeiling: ratio('floor', 'ceiling'),
    serviceOverCeiling: ratio('service', 'ceiling'),
    errors: rounds.reduce((sum, round) => sum + SERVERS.reduce((total, name) => total + round[name].errors, 0), 0),
  };
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}
