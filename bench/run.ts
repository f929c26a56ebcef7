// npm run bench [-- --quick] [-- --write]: prints figures; --write records them in BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLoadgen } from './lib/loadgen.ts';
import { ROOT } from './lib/processes.ts';
import { machine } from './lib/proc-stats.ts';
import { measureThroughput } from './throughput.ts';
import { measureApiserverLatency } from './apiserver-latency.ts';
import { renderReport } from './report.ts';

const quick = process.argv.includes('--quick');
ensureLoadgen();
const started = Date.now();
const throughput = await measureThroughput({ concurrency: quick ? [1, 64] : [1, 16, 64, 256], seconds: quick ? 2 : 5, openLoopRate: 1000 });
const apiserver = await measureApiserverLatency(quick ? 50 : 300);
// These two run as scripts of their own: a process start each, and an in-process service.
const script = (name: string, ...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bench', name), ...args], { cwd: ROOT, encoding: 'utf8' }).trimEnd();
const startup = script('startup.ts', quick ? '3' : '9');
const rotation = script('rotation-stall.ts', quick ? '6' : '12');
const report = renderReport({ machine: machine(), command: `npm run bench${quick ? ' -- --quick' : ''}`, date: new Date().toISOString().slice(0, 10), throughput, apiserver, startup, rotation });
process.stdout.write(report + '\n');
// The sidecar-injector command's own figures (issue 11), printed after the service's.
for (const name of ['cli-inject.ts', 'cli-report.ts']) process.stdout.write(`${script(name, ...(quick ? ['--quick'] : []))}\n`);
if (process.argv.includes('--write')) {
  const file = join(ROOT, 'BENCHMARKS.md');
  const [before, , after] = readFileSync(file, 'utf8').split(/(<!-- figures -->[\s\S]*<!-- \/figures -->)/);
  writeFileSync(file, `${before}<!-- figures -->\n${report}\n<!-- /figures -->${after}`);
  process.stderr.write(`bench: figures written to ${file}\n`);
}
process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
