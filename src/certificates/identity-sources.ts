import { X509Certificate } from 'node:crypto';
import { FileWatcher } from '../common/file-watcher.ts';
import { parseAll, servingProblem, type SelfSignedSettings } from './self-signed-plan.ts';
import { reconcileSelfSigned } from './self-signed-issuer.ts';
import { readTlsDir, TLS_FILES } from './tls-dir.ts';
import type { TlsState } from './tls-state.ts';
import type { TlsStore } from './tls-store.ts';
import { join } from 'node:path';

/** Receives what a source learns: a usable identity, or why there is none. */
export interface IdentitySink {
  accept(state: TlsState, changes: readonly string[]): void;
  reject(problem: string): void;
}

export interface IdentitySource {
  start(sink: IdentitySink): Promise<void>;
  stop(): void;
}

/** setTimeout's ceiling; later renewals are re-planned when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const CONFLICT_ATTEMPTS = 5;
const RETRY_AFTER_ERROR_MS = 10_000;

/**
 * The service is its own CA. The store decides how far the identity is shared (a
 * directory for one process, a Secret for all replicas); every replica reconciles the
 * same stored state, and a compare-and-swap save settles races without a leader.
 */
export class SelfSignedSource implements IdentitySource {
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private sink: IdentitySink | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: TlsStore,
    private readonly settings: SelfSignedSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(sink: IdentitySink): Promise<void> {
    this.sink = sink;
    await this.reconcile();
    this.unwatch = this.store.watch?.(() => void this.reconcile().catch(() => undefined));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unwatch?.();
  }

  /** Serialised: a timer and a watch event may fire together. */
  reconcile(): Promise<void> {
    this.running = (this.running ?? Promise.resolve()).then(() => this.reconcileOnce());
    return this.running;
  }

  private async reconcileOnce(): Promise<void> {
    if (this.stopped) return;
    try {
      for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
        const stored = await this.store.load();
        const result = await reconcileSelfSigned(stored?.state, this.settings, this.clock());
        if (result.changes.length > 0 && (await this.store.save(result.state, stored?.version)) === 'conflict') continue;
        this.sink?.accept(result.state, result.changes);
        this.schedule(result.nextCheckAt - this.clock());
        return;
      }
      throw new Error(`${this.store.description} kept changing under us (${CONFLICT_ATTEMPTS} conflicting saves)`);
    } catch (error) {
      this.sink?.reject(`cannot load or renew the certificate in ${this.store.description}: ${(error as Error).message}`);
      this.schedule(RETRY_AFTER_ERROR_MS);
      if (!this.sink) throw error;
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.reconcile(), Math.min(Math.max(delayMs, 0), MAX_TIMER_MS)).unref();
  }
}

/**
 * Certificates made elsewhere (cert-manager, a hand-made Secret) mounted in TLS_DIR.
 * A bad new version is refused and the last good one keeps serving.
 */
export class FilesSource implements IdentitySource {
  private watcher: FileWatcher | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly requiredHostnames: readonly string[],
    private readonly clock: () => number = Date.now,
  ) {}

  async start(sink: IdentitySink): Promise<void> {
    await this.load(sink);
    const paths = Object.values(TLS_FILES).map((name) => join(this.dir, name));
    this.watcher = new FileWatcher(paths, () => void this.load(sink));
  }

  stop(): void {
    this.watcher?.close();
    clearTimeout(this.expiryTimer);
  }

  private async load(sink: IdentitySink): Promise<void> {
    let state: TlsState | undefined;
    try {
      state = await readTlsDir(this.dir);
    } catch (error) {
      return sink.reject(`cannot read ${this.dir}: ${(error as Error).message}`);
    }
    if (!state) return sink.reject(`${this.dir} has no ${TLS_FILES.certificate} and ${TLS_FILES.key}`);
    const provided = withCaBundle(state);
    const cas = parseAll(provided.caCertificates);
    if (!cas) return sink.reject(`${join(this.dir, TLS_FILES.caCertificates)} cannot be parsed`);
    const problem = servingProblem(provided, cas, this.requiredHostnames, this.clock());
    if (problem) return sink.reject(`${this.dir}: ${problem}`);
    sink.accept(provided, ['loaded from files']);
    // An expired certificate is not a file change, but it must still turn readiness off.
    clearTimeout(this.expiryTimer);
    const expiresIn = Date.parse(new X509Certificate(provided.certificate).validTo) - this.clock();
    this.expiryTimer = setTimeout(() => void this.load(sink), Math.min(expiresIn + 1_000, MAX_TIMER_MS)).unref();
  }
}

/** A self-signed leaf without ca.crt is its own trust anchor. */
function withCaBundle(state: TlsState): TlsState {
  if (state.caCertificates.length > 0) return state;
  try {
    const leaf = new X509Certificate(state.certificate);
    return leaf.checkIssued(leaf) ? { ...state, caCertificates: [state.certificate] } : state;
  } catch {
    return state;
  }
}
