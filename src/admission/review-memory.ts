import { getHeapStatistics } from 'node:v8';
import { MAX_BODY_BYTES } from './request-limits.ts';

/**
 * Memory a review holds while in flight, per byte of its body. Measured: the text and the
 * parsed pod hold 2.9 times the body for a pod of 35,000 env entries, the costliest shape
 * per byte (a pod of long strings: 1 time); the chunks read and their join add 2 while
 * reading; the engine's own objects add little.
 */
export const MEMORY_PER_BODY_BYTE = 6;

/** What any request holds besides its body: Node's, Express's and Nest's objects for it. */
export const MEMORY_PER_REQUEST = 32 * 1024;

/**
 * The share of the memory still free when the service starts that reviews in flight may
 * hold. The rest is headroom for garbage the collector has not reclaimed yet, for
 * connections and for Node itself: the service must never be the process the kernel kills.
 */
export const BUDGET_SHARE = 0.4;

/** The memory a review is expected to hold, from the body size it announces; an unannounced (chunked) body may be as large as the limit. */
export function reviewMemory(contentLength: number | undefined): number {
  return MEMORY_PER_REQUEST + MEMORY_PER_BODY_BYTE * (contentLength ?? MAX_BODY_BYTES);
}

export interface MemoryFigures {
  /** The container's memory limit; undefined without one. */
  readonly containerLimit: number | undefined;
  /** Memory the process already holds (RSS). */
  readonly rss: number;
  /** V8's heap limit, and how much of it is in use. */
  readonly heapLimit: number;
  readonly heapUsed: number;
}

/** Bytes of reviews in flight allowed: a share of what is left under the tighter of the container's limit and V8's heap limit. */
export function reviewMemoryBudget(figures: MemoryFigures): number {
  const heapRoom = figures.heapLimit - figures.heapUsed;
  const containerRoom = figures.containerLimit === undefined ? Infinity : figures.containerLimit - figures.rss;
  return Math.max(0, Math.floor(Math.min(heapRoom, containerRoom) * BUDGET_SHARE));
}

/** This process's figures, now. */
export function currentMemoryFigures(containerLimit: number | undefined): MemoryFigures {
  const { heap_size_limit: heapLimit, used_heap_size: heapUsed } = getHeapStatistics();
  return { containerLimit, rss: process.memoryUsage.rss(), heapLimit, heapUsed };
}
