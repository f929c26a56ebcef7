import path from 'node:path';
import { freePorts } from './ports.ts';
import { waitUntilReady } from './readiness.ts';
import type { ReadinessProbe } from './readiness.ts';
import { startSupervised } from './supervised-process.ts';
import type { SupervisedProcess } from './supervised-process.ts';

export interface LaunchSpec {
  readonly name: string;
  readonly executable: string;
  readonly portCount: number;
  readonly args: (ports: readonly number[]) => string[];
  readonly probe: (ports: readonly number[]) => Omit<ReadinessProbe, 'timeoutMs' | 'gaveUp'>;
  /** Holds the log, pid file and watchdog script. */
  readonly dir: string;
  readonly timeoutMs: number;
  /** Called as soon as the process exists, before it is ready, so it can be recorded for cleanup. */
  readonly onStarted: (started: SupervisedProcess) => Promise<void>;
}

export interface Launched {
  readonly process: SupervisedProcess;
  readonly ports: readonly number[];
}

/**
 * Starts one binary on free ports and waits until it is ready. Picks new ports and retries
 * when one was taken between choosing and binding; otherwise fails with the log's tail.
 */
export async function launch(spec: LaunchSpec): Promise<Launched> {
  const logFile = path.join(spec.dir, `${spec.name}.log`);
  for (let attempt = 1; ; attempt += 1) {
    const ports = await freePorts(spec.portCount);
    const started = await startSupervised({
      name: spec.name,
      executable: spec.executable,
      args: spec.args(ports),
      logFile,
      pidFile: path.join(spec.dir, `${spec.name}.${attempt}.pid`),
    });
    await spec.onStarted(started);
    try {
      await waitUntilReady({
        ...spec.probe(ports),
        timeoutMs: spec.timeoutMs,
        gaveUp: () => {
          const exit = started.exitStatus();
          return exit === undefined ? undefined : `${spec.name} ${exit}`;
        },
      });
      return { process: started, ports };
    } catch (error) {
      await started.stop();
      const logTail = started.logTail();
      if (attempt < 3 && /address already in use/i.test(logTail)) continue;
      throw new Error(`${spec.name} did not become ready: ${(error as Error).message}\n--- last lines of ${logFile} ---\n${logTail}`);
    }
  }
}
