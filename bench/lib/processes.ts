import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

export interface RunningService extends Running {
  readonly healthPort: number;
  readonly tlsDir: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const scratch = new Set<string>();
process.once('exit', () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch folder, removed when the bench exits unless `keep` (it holds something the bench tells you to open). */
export function tempDir(prefix: string, { keep = false } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
  if (!keep) scratch.add(dir);
  return dir;
}

/**
 * Output is read and thrown away, as a container runtime reads it: a pipe, not a file. A
 * launcher (e.g. one that enters a memory cgroup, then execs) runs first and becomes node.
 */
function launch(args: string[], env: Record<string, string>, launcher: readonly string[] = []): ChildProcess {
  const [command, ...rest] = [...launcher, process.execPath, ...args];
  const child = spawn(command!, rest, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') process.stderr.write(`bench: ${args.join(' ')} exited ${code ?? signal}: ${stderr}\n`);
  });
  return child;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
}

export interface StartOptions {
  /** Another build's main.js, relative to the repository. */
  readonly main?: string;
  /** Commands that run node (a cgroup, a profiler); see launch. */
  readonly launcher?: readonly string[];
  readonly readyTimeoutMs?: number;
}

/** Starts `node dist/main.js`; resolves when /readyz answers 200, with the time that took. */
export async function startService(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningService & { readyAfterMs: number }> {
  const [port, healthPort] = [await freePort(), await freePort()];
  const tlsDir = env['TLS_DIR'] ?? join(tempDir('tls'), 'tls');
  const started = performance.now();
  const child = launch([options.main ?? 'dist/main.js'], { PORT: String(port), HEALTH_PORT: String(healthPort), TLS_DIR: tlsDir, WEBHOOK_REGISTRATION: 'disabled', ...env }, options.launcher);
  await waitUntil(() => httpStatus(healthPort, '/readyz').then((status) => status === 200), options.readyTimeoutMs ?? 20_000, child);
  return { child, pid: child.pid!, port, healthPort, tlsDir, readyAfterMs: performance.now() - started, stop: stopper(child) };
}

/** The bare Node `https` ceiling (ceiling-server.ts), answering `answerFile` to every request. */
export function startCeiling(tlsDir: string, answerFile: string, launcher: readonly string[] = []): Promise<Running> {
  return startCannedServer('bench/ceiling-server.ts', tlsDir, answerFile, launcher);
}

/** The NestJS + Express floor (floor-server.ts), answering `answerFile` to every request. */
export function startFloor(tlsDir: string, answerFile: string, launcher: readonly string[] = []): Promise<Running> {
  return startCannedServer('bench/floor-server.ts', tlsDir, answerFile, launcher);
}

async function startCannedServer(script: string, tlsDir: string, answerFile: string, launcher: readonly string[]): Promise<Running> {
  const port = await freePort();
  const child = launch([script, tlsDir, String(port), answerFile], {}, launcher);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, pid: child.pid!, port, stop: stopper(child) };
}

export function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

export function httpText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`not ready after ${timeoutMs} ms`);
}
