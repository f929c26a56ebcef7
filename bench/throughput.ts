import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsPost } from './lib/https-post.ts';
import { runLoad, type LoadResult } from './lib/loadgen.ts';
import { rssBytes } from './lib/proc-stats.ts';
import { httpText, ROOT, startCeiling, startService, tempDir } from './lib/processes.ts';

export interface ThroughputRow {
  readonly pod: string;
  readonly concurrency: number;
  readonly ceiling: LoadResult;
  readonly service: LoadResult;
}

export interface ThroughputReport {
  readonly rows: ThroughputRow[];
  readonly openLoop: LoadResult;
  readonly idleRssBytes: number;
  readonly peakRssBytes: number;
  readonly eventLoopLagP99Ms: number;
  readonly eventLoopLagMaxMs: number;
}

const PODS = [
  { name: 'small pod (1 container)', review: 'nginx-default' },
  { name: 'realistic pod (4 containers, annotations)', review: 'many-containers-app-wins' },
];

/**
 * The injector against the ceiling, same certificate, same body, same load generator,
 * one after the other in the same run: the ratio is what the framework and the injection
 * logic cost on top of TLS and HTTP.
 */
export async function measureThroughput(options: { concurrency: readonly number[]; seconds: number; openLoopRate: number }): Promise<ThroughputReport> {
  const work = tempDir('throughput');
  const service = await startService({ SIDECAR_CONFIG: join(ROOT, 'test', 'fixtures', 'sidecars.yaml'), LOG_LEVEL: 'info' });
  const ca = join(service.tlsDir, 'ca.crt');
  const caPem = readFileSync(ca, 'utf8');
  const idleRssBytes = rssBytes(service.pid);
  const rows: ThroughputRow[] = [];
  let openLoop: LoadResult | undefined;
  try {
    for (const pod of PODS) {
      const body = join(ROOT, 'test', 'fixtures', 'admission', `${pod.review}.review.json`);
      const answer = join(work, `${pod.review}.answer.json`);
      writeFileSync(answer, await httpsPost(service.port, caPem, readFileSync(body, 'utf8')));
      const ceiling = await startCeiling(service.tlsDir, answer);
      try {
        for (const concurrency of options.concurrency) {
          const load = (url: string, serverPid: number) => runLoad({ url, ca, body, serverPid, concurrency, durationSeconds: options.seconds });
          const ceilingResult = await load(`https://127.0.0.1:${ceiling.port}/inject`, ceiling.pid);
          const serviceResult = await load(`https://127.0.0.1:${service.port}/inject`, service.pid);
          rows.push({ pod: pod.name, concurrency, ceiling: ceilingResult, service: serviceResult });
          process.stderr.write(`bench: ${pod.name} c=${concurrency}: ceiling ${ceilingResult.perSecond.toFixed(0)}/s, injector ${serviceResult.perSecond.toFixed(0)}/s\n`);
        }
      } finally {
        await ceiling.stop();
      }
      if (pod === PODS[1]) {
        openLoop = await runLoad({ url: `https://127.0.0.1:${service.port}/inject`, ca, body, serverPid: service.pid, concurrency: 64, durationSeconds: options.seconds * 2, rate: options.openLoopRate });
      }
    }
    const metrics = await httpText(service.healthPort, '/metrics');
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    return {
      rows,
      openLoop: openLoop!,
      idleRssBytes,
      peakRssBytes: Math.max(...rows.map((row) => row.service.peakRssBytes), openLoop!.peakRssBytes),
      eventLoopLagP99Ms: gauge('sidecar_injector_nodejs_eventloop_lag_p99_seconds') * 1000,
      eventLoopLagMaxMs: gauge('sidecar_injector_nodejs_eventloop_lag_max_seconds') * 1000,
    };
  } finally {
    await service.stop();
  }
}
