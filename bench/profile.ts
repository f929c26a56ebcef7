// A CPU profile of the service's hot path under load: `node --cpu-prof` while the Go load
// generator posts the realistic pod at concurrency 32, rendered as a flame graph (SVG) and
// summarised as the functions that take the most time themselves.
// Usage: npm run build && node bench/profile.ts <out.svg> [seconds] [title] [main.js of another build]
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { readStacks, selfTimes, type FrameKind } from './lib/cpu-profile.ts';
import { renderFlameGraph } from './lib/flame-graph.ts';
import { ensureLoadgen, runLoad } from './lib/loadgen.ts';
import { ROOT, tempDir } from './lib/processes.ts';
import { startBenchService } from './side-by-side.ts';

const [out, secondsArgument, title, main] = process.argv.slice(2);
if (!out) throw new Error('usage: node bench/profile.ts <out.svg> [seconds] [title]');
const seconds = Number(secondsArgument ?? 10);
const CONCURRENCY = 32;
const WARMUP_SECONDS = 2;
/** Finer than the 1 ms default: more samples for the short functions on the request path. */
const INTERVAL_MICROS = 200;

ensureLoadgen();
const profileDir = tempDir('profile');
const spawned = performance.now();
// The profiler samples wall time: a thread preempted inside a system call is sampled there.
// Writing an answer wakes the load generator, which on a shared core would preempt the
// service mid-write and make the write look several times its cost; on cores of their own,
// the two stop taking turns.
const pinned = cpus().length >= 2 && hasTaskset();
const service = await startBenchService({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-interval=${INTERVAL_MICROS}` }, { ...(main ? { main } : {}), launcher: pinned ? ['taskset', '-c', '0'] : [] });
const body = join(ROOT, 'test', 'fixtures', 'admission', 'many-containers-app-wins.review.json');
const loadStarted = performance.now();
const load = await runLoad({
  url: `https://127.0.0.1:${service.port}/inject`,
  ca: join(service.tlsDir, 'ca.crt'),
  body,
  serverPid: service.pid,
  concurrency: CONCURRENCY,
  durationSeconds: seconds,
  warmupSeconds: WARMUP_SECONDS,
  launcher: pinned ? ['taskset', '-c', '1'] : [],
});
await service.stop();

// The profile starts with the process: the measured window is the load after its warm-up.
const from = (loadStarted - spawned + WARMUP_SECONDS * 1000) * 1000;
const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${profileDir}`);
const tree = readStacks(join(profileDir, file), from, from + seconds * 1e6);
const subtitle = `node --cpu-prof, realistic pod, concurrency ${CONCURRENCY}, ${seconds} s after ${WARMUP_SECONDS} s of warm-up${pinned ? ', service and load generator on a core each' : ''}: ${load.requests} reviews, ${load.perSecond.toFixed(0)}/s, ${load.cpuMicrosPerRequest.toFixed(0)} CPU µs each (profiler on)`;
writeFileSync(out, renderFlameGraph(tree, { title: title ?? 'sidecar-injector: POST /inject under load', subtitle }));

const share = (micros: number) => `${((micros / tree.micros) * 100).toFixed(1)}%`;
const byKind = new Map<FrameKind, number>();
const self = selfTimes(tree);
for (const frame of self) byKind.set(frame.kind, (byKind.get(frame.kind) ?? 0) + frame.micros);
process.stdout.write(`${subtitle}\nflame graph: ${out.startsWith(ROOT) ? relative(ROOT, out) : out}\nbusy time by owner (self time): ${[...byKind].map(([kind, micros]) => `${kind} ${share(micros)}`).join(', ')}\n\n`);
process.stdout.write(`${'self'.padStart(6)}  function\n`);
for (const frame of self.slice(0, 25)) process.stdout.write(`${share(frame.micros).padStart(6)}  ${frame.name}\n`);

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
