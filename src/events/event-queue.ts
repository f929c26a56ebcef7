/** Limits for sending events: they must never compete with admissions for the apiserver. */
export interface EventQueueLimits {
  /** Pending events beyond this are dropped, newest first. */
  readonly maxPending: number;
  /** Token bucket: sustained events per second, and the burst allowed on top. */
  readonly perSecond: number;
  readonly burst: number;
  /** An identical event (same object, reason and note) within this window is not sent again. */
  readonly dedupeWindowMs: number;
}

export type EnqueueResult = 'queued' | 'duplicate' | 'dropped';

/**
 * A bounded, rate-limited, de-duplicating queue. It decides; the caller sends. Pure apart
 * from the clock, so its limits are tested directly.
 */
export class EventQueue<T> {
  private readonly pending: { key: string; item: T }[] = [];
  private readonly lastSeen = new Map<string, number>();
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limits: EventQueueLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = limits.burst;
    this.refilledAt = clock();
  }

  get size(): number {
    return this.pending.length;
  }

  enqueue(key: string, item: T): EnqueueResult {
    const now = this.clock();
    const seen = this.lastSeen.get(key);
    if (seen !== undefined && now - seen < this.limits.dedupeWindowMs) return 'duplicate';
    if (this.pending.length >= this.limits.maxPending) return 'dropped';
    this.lastSeen.set(key, now);
    this.pending.push({ key, item });
    if (this.lastSeen.size > this.limits.maxPending * 20) this.forgetOld(now);
    return 'queued';
  }

  /** The next item if the rate allows one now; otherwise how long to wait. */
  take(): { item: T } | { waitMs: number } | undefined {
    if (this.pending.length === 0) return undefined;
    this.refill();
    if (this.tokens < 1) return { waitMs: Math.ceil(((1 - this.tokens) / this.limits.perSecond) * 1000) };
    this.tokens -= 1;
    return { item: this.pending.shift()!.item };
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.perSecond);
    this.refilledAt = now;
  }

  private forgetOld(now: number): void {
    for (const [key, seen] of this.lastSeen) if (now - seen >= this.limits.dedupeWindowMs) this.lastSeen.delete(key);
  }
}
