/**
 * Runs steps one at a time, in the order they were pushed. A step that fails is handed to
 * `onFailure` and the next step still runs: with `chain = chain.then(step)`, one rejected
 * step leaves every later step to a rejected chain, and they never run (a renewal or a
 * reload lost for good).
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onFailure: (error: unknown) => void) {}

  /** Resolves once the step has run, or has failed and been reported; never rejects. */
  push(step: () => unknown): Promise<void> {
    const done = this.tail.then(step).then(
      () => undefined,
      (error: unknown) => this.report(error),
    );
    this.tail = done;
    return done;
  }

  /** Resolves once every step pushed so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  private report(error: unknown): void {
    try {
      this.onFailure(error);
    } catch (failure) {
      // The report itself failed: say so where it cannot fail again, and keep the queue going.
      process.emitWarning(`a serialised step failed (${String(error)}) and reporting it failed too (${String(failure)})`);
    }
  }
}
