// The injection engine alone, in a tight loop: `decideInjection`, then `toAdmissionResponse`,
// for the realistic pod and the templates the service bench runs with. No server, no I/O:
// a change to src/injection shows here at its own size. Prints figures, asserts nothing.
// Usage: npm run build && node bench/engine-loop.ts [rounds] [dist directory of another build, for A/B]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdmissionRequest } from '../src/injection/admission-review.ts';
import { ROOT } from './lib/processes.ts';
import { PODS } from './side-by-side.ts';

const ROUNDS = Number(process.argv[2] ?? 7);
const DIST = process.argv[3] ?? join(ROOT, 'dist');

// The compiled engine, as the service runs it: Node's type stripping cannot run src/ as written.
const dist = async <T>(file: string) => (await import(pathToFileURL(join(DIST, 'injection', file)).href)) as T;
const { decideInjection } = await dist<typeof import('../src/injection/injector.ts')>('injector.js');
const { toAdmissionResponse } = await dist<typeof import('../src/injection/admission-response.ts')>('admission-response.js');
const { protectedNamespaces } = await dist<typeof import('../src/injection/protected-namespaces.ts')>('protected-namespaces.js');
const { parseSidecarConfig } = await dist<typeof import('../src/injection/sidecar-config-parser.ts')>('sidecar-config-parser.js');

const REVIEWS_PER_ROUND = 20_000;
/**
 * Distinct parsed copies, as the server sees a fresh object per review; the loop cycles
 * through them. Few enough to stay in the CPU's caches, as a body the server has just
 * parsed does: with a thousand, the first function to read a pod paid for the misses.
 */
const COPIES = 8;

const configPath = join(ROOT, 'test', 'fixtures', 'sidecars.yaml');
const config = parseSidecarConfig(readFileSync(configPath, 'utf8'), configPath);
const policy = { protectedNamespaces: new Set(protectedNamespaces('sidecar-injector')) };
const body = readFileSync(join(ROOT, 'test', 'fixtures', 'admission', `${PODS.realistic.review}.review.json`), 'utf8');
const requests = Array.from({ length: COPIES }, () => (JSON.parse(body) as { request: AdmissionRequest }).request);

/**
 * CPU nanoseconds per review over one round (the process's, as the service bench counts it:
 * time spent waiting for a core shared with others does not count); `respond` adds the
 * response (serialised patch, base64).
 */
function round(respond: boolean): number {
  let sink = 0;
  const start = process.cpuUsage();
  for (let index = 0; index < REVIEWS_PER_ROUND; index++) {
    const request = requests[index % COPIES]!;
    const decision = decideInjection(request, config, policy);
    if (respond) sink += toAdmissionResponse(request.uid, decision).patch?.length ?? 0;
    else sink += decision.outcome.length;
  }
  const { user, system } = process.cpuUsage(start);
  if (sink === 0) throw new Error('nothing was computed');
  return ((user + system) * 1000) / REVIEWS_PER_ROUND;
}

const decision = decideInjection(requests[0]!, config, policy);
if (decision.outcome !== 'injected') throw new Error(`expected the realistic pod to be injected, got ${decision.outcome}`);
for (let warmup = 0; warmup < 3; warmup++) {
  round(false);
  round(true);
}

// Interleaved, so drift on a shared machine hits both alike.
const decide: number[] = [];
const both: number[] = [];
for (let index = 0; index < ROUNDS; index++) {
  decide.push(round(false));
  both.push(round(true));
}

function summary(nanos: readonly number[]): string {
  const sorted = [...nanos].sort((a, b) => a - b);
  const micros = (value: number) => (value / 1000).toFixed(2);
  return `${micros(sorted[Math.floor(sorted.length / 2)]!)} µs [${micros(sorted[0]!)}–${micros(sorted[sorted.length - 1]!)}]`;
}

console.log(`${PODS.realistic.name}, ${ROUNDS} rounds of ${REVIEWS_PER_ROUND} reviews, median [range] of CPU per review:`);
console.log(`  decideInjection:                       ${summary(decide)}`);
console.log(`  decideInjection + toAdmissionResponse: ${summary(both)}`);
