import { describe, expect, it } from 'vitest';
import { containerMemoryLimit } from './container-memory.ts';

const GIB = 1024 ** 3;

describe(containerMemoryLimit.name, () => {
  it('is the limit Node reports when it is below the machine’s memory', () => {
    expect(containerMemoryLimit(192 * 1024 * 1024, 24 * GIB)).toBe(192 * 1024 * 1024);
  });

  it('is undefined without a limit: Node reports 0, or cgroup v1’s "unlimited"', () => {
    expect(containerMemoryLimit(0, 24 * GIB)).toBeUndefined();
    expect(containerMemoryLimit(2 ** 63 - 4096, 24 * GIB)).toBeUndefined();
    expect(containerMemoryLimit(24 * GIB, 24 * GIB)).toBeUndefined();
  });
});
