import { describe, expect, it } from 'vitest';
import { givenFlags, heapFlags, OLD_SPACE_SHARE, semiSpaceMiB } from './heap-flags.ts';

const MIB = 1024 * 1024;

describe(heapFlags.name, () => {
  it('sizes the old generation from the container limit, and caps the young one', () => {
    expect(heapFlags(192 * MIB, [])).toEqual(['--max-semi-space-size=8', `--max-old-space-size=${Math.floor(192 * OLD_SPACE_SHARE)}`, '--expose-gc']);
  });

  it('leaves the old generation to V8 without a container limit', () => {
    expect(heapFlags(undefined, [])).toEqual(['--max-semi-space-size=16', '--expose-gc']);
  });

  it('adds nothing the operator already set, in either spelling', () => {
    expect(heapFlags(192 * MIB, ['--max-old-space-size=300', '--max_semi_space_size=2'])).toEqual([]);
    expect(heapFlags(192 * MIB, ['--max-old-space-size-percentage=60', '--expose-gc'])).toEqual(['--max-semi-space-size=8']);
  });

  it('restarts for no other reason than a size: --expose-gc only comes along', () => {
    expect(heapFlags(undefined, ['--max-semi-space-size=4'])).toEqual([]);
  });

  it('is empty once the process runs with the flags it asked for, so it restarts at most once', () => {
    expect(heapFlags(192 * MIB, heapFlags(192 * MIB, []))).toEqual([]);
  });
});

describe(semiSpaceMiB.name, () => {
  it('keeps the young generation (three semi-spaces) to an eighth of the limit, between 1 and 16 MiB', () => {
    expect(semiSpaceMiB(192 * MIB)).toBe(8);
    expect(semiSpaceMiB(128 * MIB)).toBe(5);
    expect(semiSpaceMiB(1024 * MIB)).toBe(16);
    expect(semiSpaceMiB(16 * MIB)).toBe(1);
    expect(semiSpaceMiB(undefined)).toBe(16);
  });
});

describe(givenFlags.name, () => {
  it('reads the command line and NODE_OPTIONS', () => {
    expect(givenFlags(['--enable-source-maps'], ' --max-old-space-size=100  --trace-gc ')).toEqual(['--enable-source-maps', '--max-old-space-size=100', '--trace-gc']);
    expect(givenFlags([], undefined)).toEqual([]);
  });
});
