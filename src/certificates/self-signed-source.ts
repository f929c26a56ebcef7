import { Backoff } from '../common/backoff.ts';
import { SerialQueue } from '../common/serial-queue.ts';
import { MAX_TIMER_MS, type IdentitySink, type IdentitySource } from './identity-source.ts';
import { reconcileSelfSigned } from './self-signed-issuer.ts';
import type { SelfSignedSettings } from './self-signed-plan.ts';
import type { TlsState } from './tls-state.ts';
import type { TlsStore } from './tls-store.ts';

const CONFLICT_ATTEMPTS = 5;

/**
 * The service is its own CA. The store decides how far the identity is shared (a
 * directory for one process, a Secret for all replicas); every replica reconciles the
 * same stored state, and a compare-and-swap save settles races without a leader.
 */
export class SelfSignedSource implements IdentitySource {
  private readonly retry = new Backoff(500, 10_000);
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private sink: IdentitySink | undefined;
  /** Serialised, since a timer and a watch event may fire together. */
  private readonly steps = new SerialQueue((error) => this.failed(error));
  private waiting: Promise<void> | undefined;
  private stopped = false;
  /** What this replica serves: if the store loses it (a deleted Secret), it is put back rather than replaced. */
  private serving: TlsState | undefined;

  constructor(
    private readonly store: TlsStore,
    private readonly settings: SelfSignedSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  get description(): string {
    return this.store.description;
  }

  async start(sink: IdentitySink): Promise<void> {
    this.sink = sink;
    await this.reconcile();
    if (!this.stopped) this.unwatch = this.store.watch?.(() => void this.reconcile());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unwatch?.();
    await this.steps.idle();
  }

  /** A request made while one is already waiting to run joins it rather than queueing another. */
  reconcile(): Promise<void> {
    if (this.waiting) return this.waiting;
    const step = this.steps.push(() => {
      this.waiting = undefined;
      return this.reconcileOnce();
    });
    this.waiting = step;
    return step;
  }

  private async reconcileOnce(): Promise<void> {
    if (this.stopped) return;
    try {
      for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
        const stored = await this.store.load();
        // Replacing a lost identity with a new CA would fail every apiserver call until the new bundle is registered.
        const restoring = !stored && this.serving !== undefined;
        const result = await reconcileSelfSigned(stored?.state ?? this.serving, this.settings, this.clock());
        if ((result.changes.length > 0 || restoring) && (await this.store.save(result.state, stored?.version)) === 'conflict') continue;
        if (this.stopped) return;
        this.retry.reset();
        this.serving = result.state;
        const changes = attempt > 1 && result.changes.length === 0 ? [`another replica saved ${this.store.description} first; using its certificate`] : result.changes;
        const report = restoring ? [`${this.store.description} was missing; restored the certificate being served`, ...changes] : changes;
        this.sink?.accept(result.state, { changes: report, defects: result.defects.map((defect) => `${this.store.description}: ${defect}`) });
        this.schedule(result.nextCheckAt - this.clock());
        return;
      }
      throw new Error(`it kept changing under us (${CONFLICT_ATTEMPTS} conflicting saves)`);
    } catch (error) {
      if (this.stopped) return;
      this.sink?.reject(`cannot load or renew the certificate in ${this.store.description}: ${(error as Error).message}`);
      this.schedule(this.retry.next());
    }
  }

  /** A step that failed outside its own checks (its report threw): retry as for any failure. */
  private failed(error: unknown): void {
    if (this.stopped) return;
    this.schedule(this.retry.next());
    this.sink?.reject(`reconciling ${this.store.description} failed: ${error instanceof Error ? error.message : String(error)}; retrying`);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.reconcile(), Math.min(Math.max(delayMs, 0), MAX_TIMER_MS)).unref();
  }
}
