import type { ApiserverReport } from './apiserver-latency.ts';
import type { ThroughputReport } from './throughput.ts';

export interface BenchReport {
  readonly machine: string;
  readonly command: string;
  readonly date: string;
  readonly throughput: ThroughputReport;
  readonly apiserver: ApiserverReport;
  /** Printed by bench/startup.ts and bench/rotation-stall.ts. */
  readonly startup: string;
  readonly rotation: string;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(0));

export function renderReport(report: BenchReport): string {
  const { throughput } = report;
  const lines = [
    `Machine: ${report.machine}. Date: ${report.date}. Command: \`${report.command}\`.`,
    '',
    '| pod | concurrency | ceiling req/s | injector req/s | ratio | injector p50 / p99 / max ms | injector CPU µs/req (ceiling) | errors |',
    '|---|---:|---:|---:|---:|---|---|---:|',
    ...throughput.rows.map(
      ({ pod, concurrency, ceiling, service }) =>
        `| ${pod} | ${concurrency} | ${ceiling.perSecond.toFixed(0)} | ${service.perSecond.toFixed(0)} | ${(service.perSecond / ceiling.perSecond).toFixed(2)} | ${ms(service.p50Ms)} / ${ms(service.p99Ms)} / ${ms(service.maxMs)} | ${service.cpuMicrosPerRequest.toFixed(0)} (${ceiling.cpuMicrosPerRequest.toFixed(0)}) | ${service.errors + ceiling.errors} |`,
    ),
    '',
    `Open loop at ${throughput.openLoop.perSecond.toFixed(0)} reviews/s (realistic pod): p50 ${ms(throughput.openLoop.p50Ms)} ms, p99 ${ms(throughput.openLoop.p99Ms)} ms, max ${ms(throughput.openLoop.maxMs)} ms, ${throughput.openLoop.errors} errors.`,
    `Memory (RSS): ${mib(throughput.idleRssBytes)} idle, ${mib(throughput.peakRssBytes)} peak under load. Event-loop delay over the whole run: p99 ${ms(throughput.eventLoopLagP99Ms)} ms, max ${ms(throughput.eventLoopLagMaxMs)} ms.`,
    '',
    `Pod creation through the real kube-apiserver (${report.apiserver.pods} sequential creates each, interleaved):`,
    '',
    '| namespace | p50 ms | p90 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|',
    ...(['without', 'with'] as const).map((kind) => {
      const p = report.apiserver[kind];
      return `| ${kind === 'with' ? 'injected (webhook called)' : 'not selected (no webhook call)'} | ${ms(p.p50Ms)} | ${ms(p.p90Ms)} | ${ms(p.p99Ms)} | ${ms(p.maxMs)} |`;
    }),
    '',
    `The webhook adds ${ms(report.apiserver.with.p50Ms - report.apiserver.without.p50Ms)} ms at the median and ${ms(report.apiserver.with.p99Ms - report.apiserver.without.p99Ms)} ms at p99 to a pod creation.`,
    '',
    'Start to ready, without a cluster (`bench/startup.ts`):',
    '',
    '```',
    report.startup,
    '```',
    '',
    'Event-loop delay around certificate and CA rotations (`bench/rotation-stall.ts`):',
    '',
    '```',
    report.rotation,
    '```',
  ];
  return lines.join('\n');
}
