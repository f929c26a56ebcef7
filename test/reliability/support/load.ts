import { performance } from 'node:perf_hooks';
import { TimeoutError, type Answer, type Transport } from './transport.ts';

/** One review to send, and how to tell a right answer from a wrong one. */
export interface Review {
  readonly uid: string;
  readonly body: string;
  /** A description of what is wrong with the answer, or undefined when it is right. */
  readonly check: (answer: Answer) => string | undefined;
}

export type FailureKind = 'error' | 'timeout' | 'wrong';

export interface Failure {
  readonly uid: string;
  readonly kind: FailureKind;
  readonly detail: string;
  /** The error's code (ECONNREFUSED, ECONNRESET, …) for transport errors. */
  readonly code?: string;
}

export interface LoadResult {
  readonly sent: number;
  /** uids that got the right answer. */
  readonly answered: ReadonlySet<string>;
  readonly failures: readonly Failure[];
  readonly latenciesMs: readonly number[];
  readonly elapsedMs: number;
}

export interface LoadOptions {
  readonly transport: Transport;
  /** Requests in flight at once (one worker each). */
  readonly concurrency: number;
  /** The index-th review, or undefined when there are no more. */
  readonly next: (index: number) => Review | undefined;
  /** The apiserver's default webhook timeout: an answer later than this is as good as none. */
  readonly timeoutMs?: number;
  /** Open-loop pacing across all workers; unpaced when absent (as fast as answers come). */
  readonly ratePerSecond?: number;
  /** Pause after a transport error, so a closed port is not hammered in a tight loop. */
  readonly pauseAfterErrorMs?: number;
}

export interface RunningLoad {
  /** Reviews answered right so far. */
  readonly answeredCount: () => number;
  readonly failureCount: () => number;
  /** Stops sending new reviews and resolves once every one in flight has settled. */
  readonly stop: () => Promise<LoadResult>;
  /** Resolves when `next` ran out (fixed-size runs). */
  readonly finished: Promise<LoadResult>;
}

/** Starts workers that send reviews until `next` runs out or `stop()` is called. */
export function startLoad(options: LoadOptions): RunningLoad {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const answered = new Set<string>();
  const failures: Failure[] = [];
  const latenciesMs: number[] = [];
  const started = performance.now();
  let index = 0;
  let stopped = false;

  const worker = async (): Promise<void> => {
    for (;;) {
      if (stopped) return;
      const current = index++;
      if (options.ratePerSecond) {
        const due = started + (current * 1_000) / options.ratePerSecond;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (stopped) return;
      }
      const review = options.next(current);
      if (!review) return;
      const sentAt = performance.now();
      try {
        const answer = await options.transport.post(review.body, timeoutMs);
        latenciesMs.push(performance.now() - sentAt);
        const problem = review.check(answer);
        if (problem) failures.push({ uid: review.uid, kind: 'wrong', detail: problem });
        else answered.add(review.uid);
      } catch (error) {
        const failure = error instanceof TimeoutError ? ({ kind: 'timeout', detail: error.message } as const) : ({ kind: 'error', detail: (error as Error).message, code: (error as NodeJS.ErrnoException).code } as const);
        failures.push({ uid: review.uid, ...failure });
        if (options.pauseAfterErrorMs) await sleep(options.pauseAfterErrorMs);
      }
    }
  };

  const workers = Promise.all(Array.from({ length: options.concurrency }, worker));
  const result = async (): Promise<LoadResult> => {
    await workers;
    return { sent: answered.size + failures.length, answered, failures, latenciesMs, elapsedMs: performance.now() - started };
  };
  const finished = result();
  return {
    answeredCount: () => answered.size,
    failureCount: () => failures.length,
    stop: () => {
      stopped = true;
      return finished;
    },
    finished,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
