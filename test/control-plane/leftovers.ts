import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from './paths.ts';
import { executableOf, isSameProcessAlive, signalGroup, startTimeOf } from './processes.ts';

export interface RecordedProcess {
  readonly pid: number;
  readonly groupId: number;
  readonly executable: string;
}

/** What a running control plane owns, so a later run can clean up if its owner died abruptly. */
export interface RunRecord {
  readonly ownerPid: number;
  readonly ownerStartTime: string | undefined;
  readonly tempDir: string;
  readonly files: readonly string[];
  readonly processes: readonly RecordedProcess[];
}

const runsDir = path.join(cacheDir, 'runs');

export function newRunRecordPath(): string {
  return path.join(runsDir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
}

export function ownRunRecord(tempDir: string, files: readonly string[], processes: readonly RecordedProcess[]): RunRecord {
  return { ownerPid: process.pid, ownerStartTime: startTimeOf(process.pid), tempDir, files, processes };
}

export async function writeRunRecord(file: string, record: RunRecord): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // Renamed into place so a concurrent reaper never parses half a record.
  const temporary = `${file}.tmp`;
  await writeFile(temporary, JSON.stringify(record, null, 2));
  await rename(temporary, file);
}

/**
 * Kills processes and removes files recorded by control planes whose owner is gone. The
 * watchdogs normally see to the processes; this catches what they could not (a watchdog
 * killed along with its owner, a machine that slept through it).
 */
export async function reapLeftovers(log: (line: string) => void): Promise<void> {
  const entries = await readdir(runsDir).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.endsWith('.json'))) {
    const file = path.join(runsDir, entry);
    let record: RunRecord;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as RunRecord;
    } catch {
      continue;
    }
    if (isSameProcessAlive(record.ownerPid, record.ownerStartTime)) continue;
    let killed = 0;
    for (const recorded of record.processes) {
      // Only a process still running our binary is ours; the pid may belong to anyone by now.
      if (executableOf(recorded.pid) !== recorded.executable) continue;
      signalGroup(recorded.groupId, 'SIGKILL');
      try {
        process.kill(recorded.pid, 'SIGKILL');
      } catch {
        // Gone with its group.
      }
      killed += 1;
    }
    await rm(record.tempDir, { recursive: true, force: true });
    for (const owned of record.files) await rm(owned, { force: true });
    await rm(file, { force: true });
    log(`cleaned up after a control plane whose owner (pid ${record.ownerPid}) died${killed ? `: killed ${killed} process(es)` : ''}`);
  }
}
