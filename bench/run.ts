// npm run bench [-- --quick] [-- --write]: prints figures; --write records them in BENCHMARKS.md.
import { ensureLoadgen } from './lib/loadgen.ts';
import { machine } from './lib/proc-stats.ts';
import { measureThroughput } from './throughput.ts';
import { measureApiserverLatency } from './apiserver-latency.ts';
import { renderReport } from './report.ts';

const quick = process.argv.includes('--quick');
ensureLoadgen();
const started = Date.now();
const throughput = await measureThroughput({ concurrency: quick ? [1, 64] : [1, 16, 64, 256], seconds: quick ? 2 : 5, openLoopRate: 1000 });
const apiserver = await measureApiserverLatency(quick ? 50 : 300);
const report = renderReport({ machine: machine(), command: `npm run bench${quick ? ' -- --quick' : ''}`, date: new Date().toISOString().slice(0, 10), throughput, apiserver });
process.stdout.write(report + '\n');
process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
