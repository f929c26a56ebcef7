import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './processes.ts';

/**
 * Holds a directory lock while `work` runs. mkdir is atomic, so two callers (two test runs,
 * a test run and the CLI) never build into the same place at once; a lock left by a dead
 * process is taken over rather than waited on forever.
 */
export async function withLock<T>(lockDir: string, onWait: (holder: number) => void, work: () => Promise<T>): Promise<T> {
  const ownerFile = path.join(lockDir, 'pid');
  let reported = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(ownerFile, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(ownerFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && !isAlive(holder)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!reported && Number.isInteger(holder)) {
      onWait(holder);
      reported = true;
    }
    await sleep(500);
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
