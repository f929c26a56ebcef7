import { readFileSync } from 'node:fs';

/** Whether `pid` runs. A zombie (dead, not yet reaped by its parent or init) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = statFields(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

/** Signals a process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * The executable path a live process was started with, or undefined. Used before killing a pid
 * taken from a file, since the kernel may have handed that pid to an unrelated process.
 */
export function executableOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] || undefined;
  } catch {
    return undefined;
  }
}

/**
 * When a process started, in clock ticks since boot (Linux), or undefined. A pid and this
 * value together name one process even after the pid is reused.
 */
export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** /proc/<pid>/stat from its third field (state) on, or undefined off Linux or once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether the process that recorded (pid, startTime) is still running. */
export function isSameProcessAlive(pid: number, startTime: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  return startTime === undefined || startTimeOf(pid) === undefined || startTimeOf(pid) === startTime;
}
