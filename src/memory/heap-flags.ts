const MIB = 1024 * 1024;

/**
 * V8 sizes its old generation from the machine, or inside a memory cgroup never below
 * 256 MiB: under a 192 Mi limit it would let the heap outgrow the container and be
 * OOM-killed before it ever collected hard. Half the limit leaves the other half for the
 * young generation, code, Node itself and native memory (TLS, sockets), 60–80 MiB here.
 */
export const OLD_SPACE_SHARE = 0.5;

/**
 * V8 picks its semi-spaces from the machine (16 MiB on a 24 GiB one) or, inside a cgroup,
 * from a heap it sizes wrongly. 16 MiB costs about 3% fewer instructions per review than 8
 * (fewer scavenges copying the same reviews in flight) and 6% fewer than 4; inside a limit
 * the young generation (three semi-spaces) keeps to an eighth of it.
 */
export function semiSpaceMiB(containerLimit: number | undefined): number {
  if (containerLimit === undefined) return 16;
  return Math.min(16, Math.max(1, Math.floor(containerLimit / MIB / 24)));
}

/**
 * The V8 flags this process should run with, given its container's memory limit and the
 * flags it was started with; empty when there is nothing to add. A size the operator set
 * (command line or NODE_OPTIONS) is theirs and is left alone. `--expose-gc` comes along
 * when the process restarts anyway, for releaseStartupGarbage.
 */
export function heapFlags(containerLimit: number | undefined, given: readonly string[]): string[] {
  const has = (flag: string) => given.some((option) => option.replaceAll('_', '-').startsWith(flag));
  const flags: string[] = [];
  if (!has('--max-semi-space-size')) flags.push(`--max-semi-space-size=${semiSpaceMiB(containerLimit)}`);
  if (containerLimit !== undefined && !has('--max-old-space-size')) flags.push(`--max-old-space-size=${Math.floor((containerLimit * OLD_SPACE_SHARE) / MIB)}`);
  if (flags.length > 0 && !has('--expose-gc')) flags.push('--expose-gc');
  return flags;
}

/** The flags given to this process: its command line and NODE_OPTIONS. */
export function givenFlags(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env['NODE_OPTIONS']): string[] {
  return [...execArgv, ...(nodeOptions?.split(/\s+/).filter(Boolean) ?? [])];
}
