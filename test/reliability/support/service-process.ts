import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { onFreePorts } from '../../support/free-port.ts';
import { FIXTURE_OWN_NAMESPACE, FIXTURE_SIDECARS } from '../../support/golden-cases.ts';
import { httpGet } from '../../support/https-client.ts';
import { listeningOrExited, MAIN, waitUntilReady, type ServiceProcess } from '../../support/process.ts';

/** How many ordinary log lines are kept for diagnosis; review lines are only counted, a soak writes hundreds of thousands. */
const KEPT_LINES = 2_000;
const REVIEW_LINE = '"msg":"admission review"';
const UID = /"uid":"((?:[^"\\]|\\.)*)"/;

export interface ServiceUnderTest extends ServiceProcess {
  readonly port: number;
  readonly healthPort: number;
  readonly pid: number;
  readonly tlsDir: string;
  /** uids of every review the service logged, i.e. received and decided. */
  readonly reviewed: ReadonlySet<string>;
  /** Log lines other than per-review ones, newest last (bounded). */
  readonly lines: () => readonly string[];
  /** The CA bundle as written to TLS_DIR/ca.crt now. */
  readonly ca: () => string;
  readonly waitUntilReady: (timeoutMs?: number) => Promise<void>;
  /** Resolves once the process has exited and all it wrote has been read. */
  readonly closed: Promise<void>;
  /** Kills it if still running and removes its TLS_DIR. */
  readonly dispose: () => Promise<void>;
}

/**
 * Runs `node dist/main.js` in its own process, as in production, so the load generator does
 * not share its event loop or its CPU time slice, on ports that were free a moment ago (again
 * on others if one was taken first). Resolves once it listens, or has exited. Defaults match
 * the golden corpus (its templates and own namespace), registration off; `env` overrides
 * anything but the ports, `nodeArgs` go before the script (e.g. `--inspect` for the soak),
 * `launcher` before node (e.g. one that enters a memory cgroup, then execs).
 */
export async function startServiceProcess(env: Environment = {}, nodeArgs: readonly string[] = [], launcher: readonly string[] = []): Promise<ServiceUnderTest> {
  return onFreePorts(2, async ([port, healthPort]) => {
    const service = spawnServiceProcess(port!, healthPort!, typeof env === 'function' ? env(port!) : env, nodeArgs, launcher);
    try {
      await listeningOrExited(service);
    } catch (error) {
      await service.dispose();
      throw error;
    }
    return service;
  });
}

/** The environment, or how to make it from the webhook port (a WEBHOOK_URL names it). */
export type Environment = Readonly<Record<string, string>> | ((port: number) => Readonly<Record<string, string>>);

function spawnServiceProcess(port: number, healthPort: number, env: Readonly<Record<string, string>>, nodeArgs: readonly string[], launcher: readonly string[]): ServiceUnderTest {
  const tlsDir = env['TLS_DIR'] ?? mkdtempSync(join(tmpdir(), 'reliability-tls-'));
  // A launcher (e.g. one that enters a memory cgroup, then execs) runs first and becomes node.
  const [command, ...args] = [...launcher, process.execPath, ...nodeArgs, MAIN];
  const child: ChildProcess = spawn(command!, args, {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      SIDECAR_CONFIG: FIXTURE_SIDECARS,
      POD_NAMESPACE: FIXTURE_OWN_NAMESPACE,
      WEBHOOK_REGISTRATION: 'disabled',
      ...env,
      PORT: String(port),
      HEALTH_PORT: String(healthPort),
      TLS_DIR: tlsDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reviewed = new Set<string>();
  const kept: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.includes(REVIEW_LINE)) {
      const uid = UID.exec(line)?.[1];
      if (uid !== undefined) reviewed.add(JSON.parse(`"${uid}"`) as string);
      return;
    }
    kept.push(line);
    if (kept.length > KEPT_LINES) kept.splice(0, kept.length - KEPT_LINES);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const service: ServiceUnderTest = {
    child,
    exited,
    closed,
    stdout: () => kept.join('\n'),
    stderr: () => stderr,
    port,
    healthPort,
    pid: child.pid ?? 0,
    tlsDir,
    reviewed,
    lines: () => kept,
    ca: () => readFileSync(join(tlsDir, 'ca.crt'), 'utf8'),
    waitUntilReady: (timeoutMs = 20_000) => waitUntilReady(service, healthPort, timeoutMs),
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      if (!env['TLS_DIR']) rmSync(tlsDir, { recursive: true, force: true });
    },
  };
  return service;
}

/** Until the webhook listener accepts: readiness may rightly stay false (registration pending). */
export async function waitUntilServing(service: ServiceUnderTest, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`service exited with ${service.child.exitCode}: ${service.stderr()}${service.stdout()}`);
    const ready = await httpGet(service.healthPort, '/readyz').catch(() => undefined);
    const details = ready?.status ? (ready.json<{ details?: { webhookServer?: { status?: string } } }>().details ?? {}) : {};
    if (details.webhookServer?.status === 'up') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`webhook not listening after ${timeoutMs} ms: ${service.stderr()}${service.stdout()}`);
}

/** Lines on stderr that mean the process crashed or printed an unhandled error (it writes nothing there otherwise). */
export function crashSigns(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /Error|throw|FATAL|Abort|panic|heap out of memory|Node\.js v/i.test(line));
}

/** Whether it still runs, what it printed on stderr, its last log lines: for assertion messages. */
export function diagnosis(service: ServiceUnderTest): string {
  const state = service.child.exitCode !== null || service.child.signalCode !== null ? `exited (code ${service.child.exitCode}, signal ${service.child.signalCode})` : 'running';
  return `service ${state}\n--- stderr ---\n${service.stderr().slice(-4_000)}\n--- last log lines ---\n${service.lines().slice(-10).join('\n').slice(-4_000)}`;
}
