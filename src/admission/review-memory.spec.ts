import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from './request-limits.ts';
import { BUDGET_SHARE, MEMORY_PER_BODY_BYTE, MEMORY_PER_REQUEST, reviewMemory, reviewMemoryBudget } from './review-memory.ts';

const MIB = 1024 * 1024;

describe(reviewMemory.name, () => {
  it('grows with the announced body, and assumes the largest body when none is announced', () => {
    expect(reviewMemory(0)).toBe(MEMORY_PER_REQUEST);
    expect(reviewMemory(MIB)).toBe(MEMORY_PER_REQUEST + MEMORY_PER_BODY_BYTE * MIB);
    expect(reviewMemory(undefined)).toBe(reviewMemory(MAX_BODY_BYTES));
  });
});

describe(reviewMemoryBudget.name, () => {
  it('is a share of what the container has left when that is tighter than the heap', () => {
    expect(reviewMemoryBudget({ containerLimit: 192 * MIB, rss: 112 * MIB, heapLimit: 120 * MIB, heapUsed: 30 * MIB })).toBe(Math.floor(80 * MIB * BUDGET_SHARE));
  });

  it('is a share of what the heap has left when that is tighter, or when there is no container limit', () => {
    expect(reviewMemoryBudget({ containerLimit: 4096 * MIB, rss: 112 * MIB, heapLimit: 120 * MIB, heapUsed: 30 * MIB })).toBe(Math.floor(90 * MIB * BUDGET_SHARE));
    expect(reviewMemoryBudget({ containerLimit: undefined, rss: 112 * MIB, heapLimit: 4096 * MIB, heapUsed: 30 * MIB })).toBe(Math.floor(4066 * MIB * BUDGET_SHARE));
  });

  it('is zero, never negative, when nothing is left (one review at a time is still served)', () => {
    expect(reviewMemoryBudget({ containerLimit: 100 * MIB, rss: 120 * MIB, heapLimit: 120 * MIB, heapUsed: 30 * MIB })).toBe(0);
  });
});
