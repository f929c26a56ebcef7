import type { ServiceUnderTest } from './service-process.ts';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The service logs a review just before answering it, but the log travels through a pipe:
 * the last lines may arrive after the last answer. Waits until `count` reviews are logged,
 * or a second has passed without a new line (then the count is what it is).
 */
export async function untilLogged(service: ServiceUnderTest, count: number): Promise<void> {
  let seen = -1;
  while (service.reviewed.size < count && service.reviewed.size !== seen) {
    seen = service.reviewed.size;
    await sleep(1_000);
  }
}

/** Polls `probe` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
