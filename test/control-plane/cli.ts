/**
 * A throwaway control plane for local development:
 *   npm run test-cluster -- start|stop|env|status|run
 * `start` leaves a detached supervisor (this file, in `run` mode) holding etcd and
 * kube-apiserver; state.json tells later commands where it is.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveBinaries } from './binaries.ts';
import { ControlPlane } from './control-plane.ts';
import { reapLeftovers } from './leftovers.ts';
import { withLock } from './lock.ts';
import { cacheDir, repoRoot } from './paths.ts';
import { isSameProcessAlive, startTimeOf } from './processes.ts';

interface State {
  readonly pid: number;
  readonly startTime: string | undefined;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly etcdUrl: string;
  readonly tempDir: string;
  readonly processes: {
    readonly etcd: { readonly pid: number; readonly log: string };
    readonly kubeApiserver: { readonly pid: number; readonly log: string };
  };
  readonly startedAt: string;
}

const statePath = path.join(cacheDir, 'state.json');
const kubeconfigPath = path.join(cacheDir, 'kubeconfig');
const supervisorLog = path.join(cacheDir, 'test-cluster.log');
const cliPath = fileURLToPath(import.meta.url);
const say = (line: string) => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`[test-cluster] ${line}\n`);

async function readState(): Promise<State | undefined> {
  try {
    return JSON.parse(await readFile(statePath, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

async function runningState(): Promise<State | undefined> {
  const state = await readState();
  return state && isSameProcessAlive(state.pid, state.startTime) ? state : undefined;
}

function describe(state: State): string {
  return [
    `test control plane running (supervisor pid ${state.pid}, since ${state.startedAt})`,
    `  server:         ${state.server}`,
    `  kube-apiserver: pid ${state.processes.kubeApiserver.pid}, log ${state.processes.kubeApiserver.log}`,
    `  etcd:           pid ${state.processes.etcd.pid} at ${state.etcdUrl}, log ${state.processes.etcd.log}`,
    '',
    'Use it with:',
    `  export KUBECONFIG=${state.kubeconfigPath}`,
    '  (or: eval "$(npm run -s test-cluster -- env)")',
    'Stop it with: npm run test-cluster -- stop',
  ].join('\n');
}

async function start(): Promise<number> {
  await mkdir(cacheDir, { recursive: true });
  return withLock(
    path.join(cacheDir, '.cli.lock'),
    () => log('waiting for another test-cluster command'),
    async () => {
      const running = await runningState();
      if (running) {
        say(`already running; not starting another.\n${describe(running)}`);
        return 0;
      }
      await rm(statePath, { force: true });
      // Built here rather than in the supervisor, so build progress shows in this terminal.
      await resolveBinaries({ log });
      const output = openSync(supervisorLog, 'w');
      const supervisor = spawn(process.execPath, [cliPath, 'run'], {
        cwd: repoRoot,
        detached: true,
        stdio: ['ignore', output, output],
      });
      closeSync(output);
      let exited = false;
      supervisor.on('exit', () => (exited = true));
      supervisor.unref();
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && !exited) {
        const state = await readState();
        if (state && state.pid === supervisor.pid) {
          say(describe(state));
          return 0;
        }
        await sleep(100);
      }
      if (!exited) supervisor.kill('SIGTERM');
      log(`the control plane did not start; its log (${supervisorLog}):`);
      process.stderr.write(await readFile(supervisorLog, 'utf8').catch(() => '(empty)\n'));
      return 1;
    },
  );
}

/** Runs the control plane in the foreground until SIGINT/SIGTERM; `start` runs this detached. */
async function run(): Promise<number> {
  const running = await runningState();
  if (running) {
    say(`already running; not starting another.\n${describe(running)}`);
    return 1;
  }
  const controlPlane = await ControlPlane.start({ kubeconfigPath, log });
  const state: State = {
    pid: process.pid,
    startTime: startTimeOf(process.pid),
    server: controlPlane.server,
    kubeconfigPath: controlPlane.kubeconfigPath,
    etcdUrl: controlPlane.etcdUrl,
    tempDir: controlPlane.tempDir,
    processes: {
      etcd: { pid: controlPlane.processes.etcd.pid, log: controlPlane.processes.etcd.logFile },
      kubeApiserver: { pid: controlPlane.processes.kubeApiserver.pid, log: controlPlane.processes.kubeApiserver.logFile },
    },
    startedAt: new Date().toISOString(),
  };
  await writeFile(statePath, JSON.stringify(state, null, 2));
  say(describe(state));
  const keepAlive = setInterval(() => {}, 1 << 30);
  const shutdown = async (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    await controlPlane.stop();
    await rm(statePath, { force: true });
    clearInterval(keepAlive);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, (name) => void shutdown(name));
  return 0;
}

async function stop(): Promise<number> {
  const state = await readState();
  if (!state) {
    say('not running');
    return 0;
  }
  if (isSameProcessAlive(state.pid, state.startTime)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && isSameProcessAlive(state.pid, state.startTime)) await sleep(100);
    if (isSameProcessAlive(state.pid, state.startTime)) {
      log(`supervisor ${state.pid} ignored SIGTERM; killing it (its watchdogs stop etcd and kube-apiserver)`);
      process.kill(state.pid, 'SIGKILL');
      await sleep(500);
    }
    say('stopped');
  } else {
    say('was not running; removed its stale state');
  }
  // Removes temp dirs and stray processes if the supervisor could not clean up after itself.
  await reapLeftovers(log);
  await rm(statePath, { force: true });
  return 0;
}

async function env(): Promise<number> {
  const running = await runningState();
  if (!running) {
    log('not running; start it with: npm run test-cluster -- start');
    return 1;
  }
  say(`export KUBECONFIG=${running.kubeconfigPath}`);
  return 0;
}

async function status(): Promise<number> {
  const running = await runningState();
  say(running ? describe(running) : 'not running');
  return running ? 0 : 1;
}

const commands: Readonly<Record<string, () => Promise<number>>> = { start, stop, env, status, run };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  process.stderr.write('usage: npm run test-cluster -- start|stop|env|status|run\n');
  process.exitCode = 2;
} else {
  process.exitCode = await command();
}
