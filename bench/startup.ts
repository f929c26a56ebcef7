// Time from `node dist/main.js` to /readyz 200, without a cluster: with a fresh TLS_DIR (a CA and a
// serving certificate are made) and with an existing one (they are loaded). Several runs, median.
// Usage: npm run build && node bench/startup.ts [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reconcileSelfSigned } from '../src/certificates/self-signed-issuer.ts';
import { freePort } from '../test/support/free-port.ts';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const runs = Number(process.argv[2] ?? 7);

interface Run {
  /** Spawn to /readyz 200. */
  readonly readyMs: number;
  /** Spawn to the first log line: process start, module loading and configuration. */
  readonly firstLogMs: number;
  /** Spawn to "serving certificate loaded": the certificate is ready. */
  readonly certificateMs: number;
}

function ready(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/readyz' }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    }).on('error', () => resolve(false));
  });
}

async function once(tlsDir: string): Promise<Run> {
  const [port, healthPort] = [await freePort(), await freePort()];
  const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
  const startedAt = Date.now();
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], {
    // No HOME kubeconfig, no KUBECONFIG: the service runs without a cluster, as on a laptop.
    env: { PATH: process.env['PATH'] ?? '', HOME: home, PORT: String(port), HEALTH_PORT: String(healthPort), TLS_DIR: tlsDir, WEBHOOK_REGISTRATION: 'disabled' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    while (!(await ready(healthPort))) {
      if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}: ${output}`);
      if (performance.now() - started > 20_000) throw new Error(`not ready after 20 s: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const readyMs = performance.now() - started;
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { time: string; msg: string });
    const at = (line: { time: string } | undefined) => (line ? Date.parse(line.time) - startedAt : NaN);
    return { readyMs, firstLogMs: at(lines[0]), certificateMs: at(lines.find((line) => line.msg === 'serving certificate loaded')) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function report(label: string, results: readonly Run[]): void {
  const column = (pick: (run: Run) => number) => median(results.map(pick)).toFixed(0).padStart(6);
  const all = results.map((run) => run.readyMs.toFixed(0)).join(' ');
  process.stdout.write(`${label.padEnd(22)} ${column((run) => run.firstLogMs)} ${column((run) => run.certificateMs)} ${column((run) => run.readyMs)}   [${all}]\n`);
}

const fresh: Run[] = [];
const existing: Run[] = [];
// One unmeasured start warms the OS file cache, as a container's second start would be.
const warm = mkdtempSync(join(tmpdir(), 'bench-tls-'));
await once(warm);
for (let run = 0; run < runs; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  fresh.push(await once(dir));
  existing.push(await once(dir));
  rmSync(dir, { recursive: true, force: true });
}
rmSync(warm, { recursive: true, force: true });

const issue: number[] = [];
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  await reconcileSelfSigned(undefined, { hostnames: ['localhost', '127.0.0.1'], certValidityMs: 3.6e6, caValidityMs: 3.6e7, renewBeforeMs: 6e5 }, Date.now());
  issue.push(performance.now() - started);
}

process.stdout.write(`startup without a cluster, ${runs} runs, median ms (Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs)\n`);
process.stdout.write(`${''.padEnd(22)} ${'1st log'.padStart(6)} ${'cert'.padStart(6)} ${'ready'.padStart(6)}   [ready, every run]\n`);
report('fresh TLS_DIR', fresh);
report('existing TLS_DIR', existing);
process.stdout.write(`making a CA and a serving certificate in-process: median ${median(issue).toFixed(0)} ms\n`);
