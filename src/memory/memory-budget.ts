/** Returned by `reserve`: gives the bytes back. Calling it again does nothing. */
export type Release = () => void;

/** A reservation that did not fit within `maxWaitMs`. */
export class BudgetExceededError extends Error {
  constructor(
    readonly bytes: number,
    readonly capacity: number,
  ) {
    super(`no room for ${bytes} bytes within the budget of ${capacity} bytes`);
  }
}

interface Waiter {
  readonly bytes: number;
  readonly admit: (release: Release) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Bytes in flight, counted against a fixed capacity. A reservation that fits is granted at
 * once; one that does not waits, first-fit in arrival order, until enough is released or
 * `maxWaitMs` passes. Whatever its size, a reservation is granted when nothing else is in
 * flight, so one large request can always be served alone.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly capacity: number,
    private readonly maxWaitMs: number,
  ) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** The reservation if it fits now, without waiting; undefined otherwise. */
  tryReserve(bytes: number): Release | undefined {
    return this.fits(bytes) ? this.grant(bytes) : undefined;
  }

  reserve(bytes: number): Promise<Release> {
    const now = this.tryReserve(bytes);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        admit: resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new BudgetExceededError(bytes, this.capacity));
        }, this.maxWaitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.capacity;
  }

  private grant(bytes: number): Release {
    this.used += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.admitWaiters();
    };
  }

  /** Smaller requests behind a large one go ahead when they fit: the large one waits at most maxWaitMs. */
  private admitWaiters(): void {
    for (let index = 0; index < this.waiters.length;) {
      const waiter = this.waiters[index]!;
      if (!this.fits(waiter.bytes)) {
        index++;
        continue;
      }
      this.waiters.splice(index, 1);
      clearTimeout(waiter.timer);
      waiter.admit(this.grant(waiter.bytes));
    }
  }
}
