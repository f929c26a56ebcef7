import { totalmem } from 'node:os';

/**
 * The memory limit of the container (cgroup v1 or v2) the process runs in, in bytes, or
 * undefined when there is none. Without a limit, Node reports 0 or the cgroup's
 * "unlimited" (a huge number); a limit at or above the machine's memory limits nothing.
 */
export function containerMemoryLimit(reported: number = process.constrainedMemory(), machine: number = totalmem()): number | undefined {
  return reported > 0 && reported < machine ? reported : undefined;
}
