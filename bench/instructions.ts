import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsPost } from './lib/https-post.ts';
import { runCounted } from './lib/loadgen.ts';
import { ROOT, startCeiling, startFloor, tempDir, type Running } from './lib/processes.ts';
import { PODS, SERVERS, startBenchService, type ServerName } from './side-by-side.ts';

export interface InstructionsReport {
  readonly warmupRequests: number;
  readonly requests: number;
  /** User-space instructions per review, all threads, per server; undefined when valgrind is missing. */
  readonly perReview: Readonly<Record<ServerName, number>> | undefined;
}

/**
 * Instructions per review, counted by valgrind's callgrind rather than timed: the figure
 * does not move with what else the machine runs, so it tells whether a change made the
 * work smaller (at the 0.5% level) where CPU time on a shared machine cannot. It leaves
 * out the kernel (TCP, the loopback) and says nothing of cache misses: the CPU times
 * elsewhere in the report stay the figures the goals are about. Connections are opened
 * and the JIT warmed in `warmupRequests` uncounted reviews; counting is switched on and
 * off around the `requests` that follow, on the same connections.
 */
export async function measureInstructions(options: { warmupRequests: number; requests: number }): Promise<InstructionsReport> {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    return { ...options, perReview: undefined };
  }
  const work = tempDir('instructions');
  const launcher = (name: ServerName) => ['valgrind', '--tool=callgrind', '--trace-children=yes', '--collect-atstart=yes', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${join(work, `${name}.%p.out`)}`];
  const perReview: Partial<Record<ServerName, number>> = {};
  const body = join(ROOT, 'test', 'fixtures', 'admission', `${PODS.realistic.review}.review.json`);
  // Valgrind runs code about fifty times slower: a start takes a minute.
  const service = await startBenchService({}, { launcher: launcher('service'), readyTimeoutMs: 600_000 });
  const ca = join(service.tlsDir, 'ca.crt');
  const answer = join(work, 'answer.json');
  try {
    writeFileSync(answer, await httpsPost(service.port, readFileSync(ca, 'utf8'), readFileSync(body, 'utf8')));
    for (const name of SERVERS) {
      const server: Running = name === 'service' ? service : await (name === 'ceiling' ? startCeiling : startFloor)(service.tlsDir, answer, launcher(name));
      try {
        const control = (switchTo: 'on' | 'off') => `callgrind_control --instr=${switchTo} ${server.pid} > /dev/null`;
        const result = await runCounted({
          url: `https://127.0.0.1:${server.port}/inject`,
          ca,
          body,
          concurrency: 32,
          requests: options.requests,
          warmupRequests: options.warmupRequests,
          onMeasure: `if [ "$1" = stop ]; then ${control('off')}; else ${control('on')}; fi`,
        });
        if (result.errors > 0) throw new Error(`${name}: ${result.errors} errors under valgrind: ${result.firstError}`);
        execFileSync('callgrind_control', ['--dump', String(server.pid)], { stdio: 'ignore' });
        perReview[name] = countedInstructions(work, name) / options.requests;
        process.stderr.write(`bench: ${name}: ${Math.round(perReview[name]! / 1000)}k instructions per review\n`);
      } finally {
        if (server !== service) await server.stop();
      }
    }
  } finally {
    await service.stop();
  }
  return { ...options, perReview: perReview as Record<ServerName, number> };
}

/** Sum of the `totals:` lines of every dump callgrind wrote for this server (one file per dump and per exec). */
function countedInstructions(dir: string, name: ServerName): number {
  let total = 0;
  for (const file of readdirSync(dir).filter((entry) => entry.startsWith(`${name}.`))) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/^totals: (\d+)/gm)) total += Number(match[1]);
  }
  return total;
}
