import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsPost } from './lib/https-post.ts';
import { runLoad, type LoadResult } from './lib/loadgen.ts';
import { ROOT, startCeiling, startFloor, startService, tempDir, type Running, type RunningService, type StartOptions } from './lib/processes.ts';

export const SERVERS = ['ceiling', 'floor', 'service'] as const;
export type ServerName = (typeof SERVERS)[number];

export const PODS = {
  small: { name: 'small pod (1 container)', review: 'nginx-default' },
  realistic: { name: 'realistic pod (4 containers, annotations)', review: 'many-containers-app-wins' },
} as const;
export type PodCase = (typeof PODS)[keyof typeof PODS];

/** One measurement of each server, back to back, under the same load. */
export type Round = Readonly<Record<ServerName, LoadResult>>;

export interface SideBySideOptions {
  readonly pod: PodCase;
  /** Each concurrency level and how many rounds of it to run, in order. */
  readonly plan: readonly { readonly concurrency: number; readonly rounds: number }[];
  readonly seconds: number;
  /** Called with the service once it is ready and before any load: for figures at rest. */
  readonly atRest?: (service: RunningService) => Promise<void>;
}

export interface SideBySide {
  readonly pod: PodCase;
  /** Per concurrency, one Round per repetition. */
  readonly rounds: ReadonlyMap<number, readonly Round[]>;
}

/** The service as `npm start` runs it, with the test corpus's templates and a log line per review. */
export function startBenchService(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningService> {
  return startService({ SIDECAR_CONFIG: join(ROOT, 'test', 'fixtures', 'sidecars.yaml'), LOG_LEVEL: 'info', ...env }, options);
}

/**
 * The bare Node ceiling, the NestJS + Express floor and the service, all three on the same
 * certificate, the same body and the same load generator, measured in turn and repeated:
 * noise on the machine then hits all three alike, and the ratios between them mean
 * something even where the absolute figures drift. The order rotates each round, so no
 * server always runs first after an idle pause.
 */
export async function measureSideBySide(options: SideBySideOptions, then?: (service: RunningService) => Promise<void>): Promise<SideBySide> {
  const work = tempDir('side-by-side');
  const service = await startBenchService();
  const servers: Partial<Record<ServerName, Running>> = { service };
  try {
    await options.atRest?.(service);
    const ca = join(service.tlsDir, 'ca.crt');
    const body = join(ROOT, 'test', 'fixtures', 'admission', `${options.pod.review}.review.json`);
    const answer = join(work, `${options.pod.review}.answer.json`);
    writeFileSync(answer, await httpsPost(service.port, readFileSync(ca, 'utf8'), readFileSync(body, 'utf8')));
    servers.ceiling = await startCeiling(service.tlsDir, answer);
    servers.floor = await startFloor(service.tlsDir, answer);
    const rounds = new Map<number, Round[]>();
    for (const { concurrency, rounds: count } of options.plan) {
      const done: Round[] = [];
      for (let round = 0; round < count; round++) {
        const results: Partial<Record<ServerName, LoadResult>> = {};
        for (let turn = 0; turn < SERVERS.length; turn++) {
          const name = SERVERS[(round + turn) % SERVERS.length]!;
          const server = servers[name]!;
          results[name] = await runLoad({ url: `https://127.0.0.1:${server.port}/inject`, ca, body, serverPid: server.pid, concurrency, durationSeconds: options.seconds });
        }
        done.push(results as Round);
        const cpu = SERVERS.map((name) => `${name} ${results[name]!.cpuMicrosPerRequest.toFixed(0)}`).join(', ');
        process.stderr.write(`bench: ${options.pod.review} c=${concurrency} round ${round + 1}/${count}: CPU µs/review ${cpu}\n`);
      }
      rounds.set(concurrency, done);
    }
    await then?.(service);
    return { pod: options.pod, rounds };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}
