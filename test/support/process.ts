import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onFreePorts } from './free-port.ts';
import { httpGet } from './https-client.ts';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Runs the built service (`node dist/main.js`) as a separate process, as a container would. */
export function spawnService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls the health port until /readyz answers 200, or fails with what the process printed. */
export async function waitUntilReady(service: ServiceProcess, healthPort: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`service exited with ${service.child.exitCode}: ${service.stderr()}${service.stdout()}`);
    const ready = await httpGet(healthPort, '/readyz').catch(() => undefined);
    if (ready?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`service not ready after ${timeoutMs} ms: ${service.stderr()}${service.stdout()}`);
}

/** What the service logs once both its listeners are up (health first, then the webhook). */
const LISTENING = '"msg":"webhook serving over HTTPS"';

/**
 * Resolves once the service listens on both its ports, or has exited for a reason of its own
 * (its caller's checks say what); rejects when a port it was given was taken meanwhile, so
 * that onFreePorts starts it again on others.
 */
export async function listeningOrExited(service: ServiceProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !service.stdout().includes(LISTENING)) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      // Whatever it wrote last is read before judging why it went.
      const stderr = service.child.stderr;
      if (stderr && !stderr.readableEnded) await new Promise((resolve) => stderr.once('end', resolve));
      if (/EADDRINUSE/.test(service.stderr())) throw new Error(`a port was taken before the service bound it: ${service.stderr()}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface PortedService {
  readonly service: ServiceProcess;
  readonly port: number;
  readonly healthPort: number;
}

/**
 * Runs the service on two ports that were free a moment ago, and again on new ones when
 * another process took one first. `env` gets the ports (a URL may need them); `spawn` is how
 * to run it (spawnService unless the test installs it elsewhere).
 */
export function spawnOnFreePorts(env: (ports: { port: number; healthPort: number }) => Record<string, string>, spawn: (env: Record<string, string>) => ServiceProcess = spawnService): Promise<PortedService> {
  return onFreePorts(2, async ([port, healthPort]) => {
    const ports = { port: port!, healthPort: healthPort! };
    const service = spawn({ PORT: String(ports.port), HEALTH_PORT: String(ports.healthPort), ...env(ports) });
    await listeningOrExited(service);
    return { service, ...ports };
  });
}
