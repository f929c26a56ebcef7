import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signalGroup } from './processes.ts';

/**
 * Runs the command under a shell watchdog that holds the read end of a pipe whose only writer
 * is this Node process. When Node goes away for any reason, SIGKILL included, the kernel closes
 * the pipe, `read` returns, and the watchdog kills its whole process group: the command, any
 * children of it (go build's compilers and linker), and itself. No orphans, no pid polling.
 * It kills rather than terminates: once the owner is gone nobody wants the data, and etcd and
 * kube-apiserver told to stop at the same moment wait on each other for seconds.
 */
const watchdog = `# Kills its process group when the pipe on stdin closes, i.e. when its Node owner is gone.
pidfile=$1; shift
exec 3<&0
"$@" 3<&- &
child=$!
echo "$child" > "$pidfile"
{
  read -r _ <&3
  kill -KILL 0
} &
guard=$!
exec 3<&-
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$guard" 2>/dev/null
exit "$status"
`;

export interface SupervisedOptions {
  readonly name: string;
  readonly executable: string;
  readonly args: readonly string[];
  /** Receives the command's stdout and stderr, so test output stays clean. */
  readonly logFile: string;
  /** Where the watchdog records the command's pid; its folder also receives watchdog.sh. */
  readonly pidFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface SupervisedProcess {
  readonly name: string;
  /** The command's own pid (not the watchdog's). */
  readonly pid: number;
  /** The watchdog's pid, which is also the process group of watchdog and command. */
  readonly groupId: number;
  readonly executable: string;
  readonly logFile: string;
  /** How the command ended, or undefined while it runs. */
  exitStatus(): string | undefined;
  /** Resolves when the command has ended, to its exit code (128+n when killed by signal n). */
  waitForExit(): Promise<number | null>;
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL to the whole group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startSupervised(options: SupervisedOptions): Promise<SupervisedProcess> {
  // A script file rather than `sh -c`, so ps shows `watchdog.sh <pidfile> <command>`.
  const script = path.join(path.dirname(options.pidFile), 'watchdog.sh');
  writeFileSync(script, watchdog);
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', [script, options.pidFile, options.executable, ...options.args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', log, log],
    });
  } finally {
    closeSync(log);
  }
  let exit: string | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve(code);
    });
    child.on('error', (error) => {
      exit = `could not start: ${error.message}`;
      resolve(null);
    });
  });
  // Unreferenced, so a script that forgets stop() can still exit; the watchdog then cleans up.
  child.unref();
  const pipe = child.stdin as Socket;
  pipe.on('error', () => {});
  pipe.unref();

  const pid = await readPid(options.pidFile, () => exit);
  const groupId = child.pid ?? 0;
  return {
    name: options.name,
    pid,
    groupId,
    executable: options.executable,
    logFile: options.logFile,
    exitStatus: () => exit,
    waitForExit: () => exited,
    logTail: (lines = 40) => tail(options.logFile, lines),
    async stop(graceMs = 5000) {
      if (exit !== undefined) return;
      // The watchdog alone gets SIGTERM: it forwards exactly one, since kube-apiserver exits
      // at once, skipping its graceful shutdown, on a second signal.
      child.kill('SIGTERM');
      if (await settles(exited, graceMs)) return;
      signalGroup(groupId, 'SIGKILL');
      await settles(exited, 2000);
    },
  };
}

async function readPid(pidFile: string, exitStatus: () => string | undefined): Promise<number> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0) return pid;
    const exit = exitStatus();
    if (exit !== undefined) throw new Error(`watchdog ${exit} before starting its command`);
    await sleep(10);
  }
  throw new Error(`watchdog did not report its command's pid in ${pidFile}`);
}

function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
