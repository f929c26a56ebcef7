import type { ApiserverReport } from './apiserver-latency.ts';
import type { InstructionsReport } from './instructions.ts';
import type { LoadResult } from './lib/loadgen.ts';
import type { MemoryLimitReport } from './memory-limit.ts';
import { SERVERS, type ServerName } from './side-by-side.ts';
import { KEY_CONCURRENCY, type KeyComparison, type Spread, type ThroughputReport } from './throughput.ts';

export interface BenchReport {
  readonly machine: string;
  readonly command: string;
  readonly date: string;
  readonly seconds: number;
  readonly throughput: ThroughputReport;
  readonly instructions: InstructionsReport | undefined;
  readonly memoryLimit: MemoryLimitReport | undefined;
  readonly apiserver: ApiserverReport | undefined;
  /** Printed by bench/startup.ts and bench/rotation-stall.ts. */
  readonly startup: string;
  readonly rotation: string;
}

const LABELS: Readonly<Record<ServerName, string>> = {
  ceiling: 'ceiling: bare Node `https`, canned answer',
  floor: 'floor: NestJS + Express, one controller, `express.json()`, canned answer',
  service: 'sidecar-injector',
};

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(0));
const whole = (value: number) => value.toFixed(0);
const ratio = (value: number) => value.toFixed(2);
const spread = (value: Spread, format: (value: number) => string) => `${format(value.median)} [${format(value.min)}–${format(value.max)}]`;
const statuses = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .map(([status, count]) => `${count}× ${status === 'error' ? 'no answer' : status}`)
    .join(', ');

export function renderReport(report: BenchReport): string {
  const { throughput } = report;
  const lines = [
    `Machine: ${report.machine}. Date: ${report.date}. Command: \`${report.command}\`.`,
    '',
    ...throughput.key.flatMap((comparison) => keyTable(comparison, report.seconds)),
    ...instructionLines(report.instructions),
    `By concurrency, one ${report.seconds} s round each (CPU µs per review in brackets):`,
    '',
    '| pod | concurrency | ceiling req/s | floor req/s | injector req/s | injector / floor CPU | injector p50 / p99 / max ms | errors |',
    '|---|---:|---:|---:|---:|---:|---|---:|',
    ...throughput.sweep.map(({ pod, concurrency, round }) => {
      const rate = (result: LoadResult) => `${whole(result.perSecond)} (${whole(result.cpuMicrosPerRequest)})`;
      const errors = SERVERS.reduce((sum, name) => sum + round[name].errors, 0);
      const { service } = round;
      return `| ${pod.name} | ${concurrency} | ${rate(round.ceiling)} | ${rate(round.floor)} | ${rate(service)} | ${ratio(service.cpuMicrosPerRequest / round.floor.cpuMicrosPerRequest)} | ${ms(service.p50Ms)} / ${ms(service.p99Ms)} / ${ms(service.maxMs)} | ${errors} |`;
    }),
    '',
    `Open loop at ${whole(throughput.openLoop.perSecond)} reviews/s (realistic pod): p50 ${ms(throughput.openLoop.p50Ms)} ms, p99 ${ms(throughput.openLoop.p99Ms)} ms, max ${ms(throughput.openLoop.maxMs)} ms, ${throughput.openLoop.errors} errors.`,
    `Memory (RSS, no memory limit): ${mib(throughput.idleRssBytes)} idle (ready, without a cluster), ${mib(throughput.peakRssBytes)} peak under load. Event-loop delay over the whole run: p99 ${ms(throughput.eventLoopLagP99Ms)} ms, max ${ms(throughput.eventLoopLagMaxMs)} ms.`,
    '',
    ...memoryLimitLines(report.memoryLimit),
    ...apiserverLines(report.apiserver),
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

function keyTable(comparison: KeyComparison, seconds: number): string[] {
  return [
    `${comparison.pod.name}, concurrency ${KEY_CONCURRENCY}, ${comparison.rounds.length} rounds of ${seconds} s, the three servers in turn each round; median [min–max] over the rounds:`,
    '',
    '| server | CPU µs / review | of it main thread | reviews/s | p99 ms |',
    '|---|---:|---:|---:|---:|',
    ...SERVERS.map((name) => `| ${LABELS[name]} | ${spread(comparison.cpu[name], whole)} | ${spread(comparison.mainThread[name], whole)} | ${spread(comparison.perSecond[name], whole)} | ${spread(comparison.p99Ms[name], ms)} |`),
    '',
    `CPU per review, per round: **injector / floor ${spread(comparison.serviceOverFloor, ratio)}**, floor / ceiling ${spread(comparison.floorOverCeiling, ratio)}, injector / ceiling ${spread(comparison.serviceOverCeiling, ratio)}. Errors: ${comparison.errors}.`,
    '',
  ];
}

function instructionLines(instructions: InstructionsReport | undefined): string[] {
  if (!instructions) return [];
  const counts = instructions.perReview;
  if (!counts) return ['Instructions per review: not counted (valgrind is not installed).', ''];
  const thousands = (name: ServerName) => `${Math.round(counts[name] / 1000)}k`;
  return [
    `Instructions per review (realistic pod, concurrency 32, valgrind's callgrind, user space, all threads; ${instructions.requests} reviews counted after ${instructions.warmupRequests} uncounted): ceiling ${thousands('ceiling')}, floor ${thousands('floor')}, injector ${thousands('service')}; **injector / floor ${ratio(counts.service / counts.floor)}**, floor / ceiling ${ratio(counts.floor / counts.ceiling)}.`,
    '',
  ];
}

function memoryLimitLines(limited: MemoryLimitReport | undefined): string[] {
  if (!limited) return [];
  if ('skipped' in limited) return [`Under a memory limit: not measured (${limited.skipped}; needs root and a memory cgroup controller).`, ''];
  return [
    `Under a ${mib(limited.limitBytes)} memory limit (\`node dist/main.js\` in a memory cgroup of its own, as the kubelet runs a container): idle RSS ${mib(limited.idleRssBytes)}, of it ${mib(limited.idleChargedBytes)} charged to the cgroup (the rest is the Node binary's pages, already cached by others).`,
    '',
    '| load | answers | peak charged | limit reached | OOM kills | process |',
    '|---|---|---:|---:|---:|---|',
    ...limited.runs.map(
      (run) =>
        `| ${run.result.requests + run.result.errors} ${run.what} at concurrency ${run.concurrency} | ${statuses(run.result.statuses)} | ${mib(run.peakBytes)} | ${run.limitHits} | ${run.oomKills} | ${run.alive ? 'alive' : '**killed**'} |`,
    ),
    '',
  ];
}

function apiserverLines(apiserver: ApiserverReport | undefined): string[] {
  if (!apiserver) return [];
  return [
    `Pod creation through the real kube-apiserver (${apiserver.pods} sequential creates each, interleaved):`,
    '',
    '| namespace | p50 ms | p90 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|',
    ...(['without', 'with'] as const).map((kind) => {
      const p = apiserver[kind];
      return `| ${kind === 'with' ? 'injected (webhook called)' : 'not selected (no webhook call)'} | ${ms(p.p50Ms)} | ${ms(p.p90Ms)} | ${ms(p.p99Ms)} | ${ms(p.maxMs)} |`;
    }),
    '',
    `The webhook adds ${ms(apiserver.with.p50Ms - apiserver.without.p50Ms)} ms at the median and ${ms(apiserver.with.p99Ms - apiserver.without.p99Ms)} ms at p99 to a pod creation.`,
    '',
  ];
}
