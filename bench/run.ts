// npm run bench [-- --quick] [-- --write] [-- --instructions]: prints the figures
// BENCHMARKS.md holds; --write records them there and redraws the flame graph it shows;
// --instructions also counts instructions per review under valgrind (about 15 minutes more).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureApiserverLatency } from './apiserver-latency.ts';
import { measureInstructions } from './instructions.ts';
import { ensureLoadgen } from './lib/loadgen.ts';
import { machine } from './lib/proc-stats.ts';
import { ROOT, tempDir } from './lib/processes.ts';
import { measureMemoryLimit } from './memory-limit.ts';
import { renderReport } from './report.ts';
import { measureThroughput } from './throughput.ts';

const quick = process.argv.includes('--quick');
const write = process.argv.includes('--write');
ensureLoadgen();
const started = Date.now();
const seconds = quick ? 2 : 5;
const throughput = await measureThroughput({ rounds: quick ? 2 : 5, sweep: quick ? [1, 64] : [1, 16, 64, 256], seconds, openLoopRate: 1000 });
const memoryLimit = await measureMemoryLimit({ limitMiB: 192, realisticReviews: quick ? 5_000 : 20_000, largeReviews: quick ? 64 : 256 });
// Long counted windows: a major GC costs tens of millions of instructions, and whether one
// falls inside a short window moved the count by up to 10%.
const instructions = process.argv.includes('--instructions') ? await measureInstructions({ warmupRequests: quick ? 5_000 : 20_000, requests: quick ? 2_000 : 16_000 }) : undefined;
const apiserver = await measureApiserverLatency(quick ? 50 : 300);
// These run as scripts of their own: a process start each, an in-process service, a profiler.
const script = (name: string, ...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bench', name), ...args], { cwd: ROOT, encoding: 'utf8' }).trimEnd();
const startup = script('startup.ts', quick ? '3' : '9');
const rotation = script('rotation-stall.ts', quick ? '6' : '12');
const flameGraph = write ? join(ROOT, 'bench', 'flame-graphs', 'after.svg') : join(tempDir('profile', { keep: true }), 'flame-graph.svg');
const profile = script('profile.ts', flameGraph, quick ? '4' : '10', 'sidecar-injector now: POST /inject under load');
const options = [quick ? '--quick' : '', instructions ? '--instructions' : ''].filter(Boolean).join(' ');
const command = `npm run bench${options ? ` -- ${options}` : ''}`;
const report = renderReport({ machine: machine(), command, date: new Date().toISOString().slice(0, 10), seconds, throughput, instructions, memoryLimit, apiserver, startup, rotation });
process.stdout.write(`${report}\n\nCPU profile (\`bench/profile.ts\`):\n\n${profile}\n`);
// The sidecar-injector command's own figures (issue 11), printed after the service's.
for (const name of ['cli-inject.ts', 'cli-report.ts']) process.stdout.write(`\n${script(name, ...(quick ? ['--quick'] : []))}\n`);
if (write) {
  const file = join(ROOT, 'BENCHMARKS.md');
  const [before, , after] = readFileSync(file, 'utf8').split(/(<!-- figures -->[\s\S]*<!-- \/figures -->)/);
  writeFileSync(file, `${before}<!-- figures -->\n${report}\n<!-- /figures -->${after}`);
  process.stderr.write(`bench: figures written to ${file}, flame graph to ${flameGraph}\n`);
}
process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
