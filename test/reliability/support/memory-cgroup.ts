import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './wait.ts';

const V1_ROOT = '/sys/fs/cgroup/memory';
const V2_ROOT = '/sys/fs/cgroup';

/** A memory cgroup of its own, as the kubelet makes one per container, with what the kernel counted in it. */
export interface MemoryCgroup {
  readonly path: string;
  readonly limitBytes: number;
  /** Put before `node …`: the shell joins the cgroup, then becomes node, so the process starts inside the limit. */
  readonly launcher: readonly string[];
  /** The most memory charged to it at any moment (since the last resetPeak). */
  peakBytes(): number;
  /** Starts the peak over from the current usage, where the kernel allows it (cgroup v1; v2 from Linux 6.12). */
  resetPeak(): void;
  /** Memory charged to it now. */
  usageBytes(): number;
  /** How many times usage reached the limit (the kernel then reclaims, and kills if it cannot). */
  limitHits(): number;
  /** Processes the kernel killed for want of memory. */
  oomKills(): number;
  /** Removes it once every process in it has exited (waits for the kernel to let go). */
  remove(): Promise<void>;
}

/**
 * Creates a memory cgroup limited to `limitBytes` under the cgroup v1 memory controller,
 * or under cgroup v2 where only that is mounted; returns why not where neither can be
 * written (not root, no memory controller).
 */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | string {
  try {
    if (existsSync(join(V1_ROOT, 'memory.limit_in_bytes'))) return v1(join(V1_ROOT, name), limitBytes);
    if (readFileSync(join(V2_ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) return v2(join(V2_ROOT, name), limitBytes);
    return 'no memory cgroup controller is mounted';
  } catch (error) {
    return `cannot create a memory cgroup: ${(error as Error).message}`;
  }
}

function v1(path: string, limitBytes: number): MemoryCgroup {
  mkdirSync(path);
  writeFileSync(join(path, 'memory.limit_in_bytes'), String(limitBytes));
  const read = (file: string) => readFileSync(join(path, file), 'utf8');
  return {
    path,
    limitBytes,
    launcher: launcher(path),
    peakBytes: () => Number(read('memory.max_usage_in_bytes')),
    resetPeak: () => writeFileSync(join(path, 'memory.max_usage_in_bytes'), '0'),
    usageBytes: () => Number(read('memory.usage_in_bytes')),
    limitHits: () => Number(read('memory.failcnt')),
    oomKills: () => counter(read('memory.oom_control'), 'oom_kill'),
    remove: () => removeWhenEmpty(path),
  };
}

function v2(path: string, limitBytes: number): MemoryCgroup {
  const control = join(V2_ROOT, 'cgroup.subtree_control');
  if (!readFileSync(control, 'utf8').split(/\s+/).includes('memory')) writeFileSync(control, '+memory');
  mkdirSync(path);
  writeFileSync(join(path, 'memory.max'), String(limitBytes));
  const read = (file: string) => readFileSync(join(path, file), 'utf8');
  return {
    path,
    limitBytes,
    launcher: launcher(path),
    peakBytes: () => Number(read('memory.peak')),
    resetPeak: () => {
      try {
        writeFileSync(join(path, 'memory.peak'), 'reset');
      } catch {
        // Older kernels: the peak stays the one since creation.
      }
    },
    usageBytes: () => Number(read('memory.current')),
    limitHits: () => counter(read('memory.events'), 'max'),
    oomKills: () => counter(read('memory.events'), 'oom_kill'),
    remove: () => removeWhenEmpty(path),
  };
}

function launcher(path: string): string[] {
  return ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', path];
}

function counter(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

async function removeWhenEmpty(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      if (existsSync(path)) rmdirSync(path);
      return;
    } catch (error) {
      // EBUSY until the kernel has finished with the last process.
      if (attempt >= 50) throw error;
      await sleep(100);
    }
  }
}
