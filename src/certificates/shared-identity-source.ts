import { SerialQueue } from '../common/serial-queue.ts';
import type { IdentityReport, IdentitySink, IdentitySource } from './identity-source.ts';
import type { TlsState } from './tls-state.ts';
import type { TlsStore } from './tls-store.ts';

export interface SharedIdentityOptions {
  /** The identity every replica serves (a SelfSignedSource on the Secret). */
  readonly shared: IdentitySource;
  /** Where the last shared identity is kept, so a restart without an apiserver serves it again. */
  readonly cache: TlsStore;
  /** The stand-in until the shared identity answers: self-signed on the cache directory. */
  readonly standIn: () => IdentitySource;
  /** How long the start waits for the shared identity before bringing in the stand-in. */
  readonly startupWaitMs: number;
}

/**
 * In a cluster, every replica serves the identity in the shared Secret. When the apiserver
 * does not answer at start, a stand-in keeps the webhook up: the last shared identity this
 * pod cached in TLS_DIR (still trusted by the apiserver if current), else a new one of its own.
 * The stand-in is reported and its CA bundle is not published, so registration never
 * spreads a CA the other replicas do not serve. The shared source keeps retrying, and its
 * first answer replaces the stand-in.
 */
export class SharedIdentitySource implements IdentitySource {
  readonly description: string;
  private sink: IdentitySink | undefined;
  private standIn: IdentitySource | undefined;
  private standInReason: string | undefined;
  private isShared = false;
  private lastProblem: string | undefined;
  private cached: TlsState | undefined;
  private readonly caching = new SerialQueue((error) => this.cacheFailed(error));
  private stopped = false;

  constructor(private readonly options: SharedIdentityOptions) {
    this.description = options.shared.description;
  }

  async start(sink: IdentitySink): Promise<void> {
    this.sink = sink;
    const started = this.options.shared.start({ accept: (state, report) => this.acceptShared(state, report), reject: (problem) => this.rejectShared(problem) });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, this.options.startupWaitMs, false)));
    const answered = await Promise.race([started.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!this.isShared && !this.stopped) {
      const why = answered ? (this.lastProblem ?? `${this.description} gave no identity`) : `${this.description}: no answer within ${this.options.startupWaitMs} ms`;
      await this.startStandIn(why);
    }
    // Callers read the published files as soon as start resolves.
    await this.caching.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.options.shared.stop(), this.standIn?.stop()]);
    await this.caching.idle();
  }

  private async startStandIn(why: string): Promise<void> {
    this.standInReason = `${why}; serving a stand-in from ${this.options.cache.description} until it answers`;
    const standIn = (this.standIn = this.options.standIn());
    await standIn.start({
      accept: (state, report) => {
        if (!this.isShared) this.sink?.accept(state, { ...report, provisional: this.standInReason });
      },
      reject: (problem) => {
        if (!this.isShared) this.sink?.reject(problem);
      },
    });
  }

  private acceptShared(state: TlsState, report: IdentityReport): void {
    this.isShared = true;
    this.lastProblem = undefined;
    const standIn = this.standIn;
    this.standIn = undefined;
    this.sink?.accept(state, report);
    void this.caching.push(() => this.cache(state, standIn));
  }

  private rejectShared(problem: string): void {
    // Until start decides, the reason is kept for the stand-in's report; after, repeats of one outage are logged once.
    const repeated = problem === this.lastProblem;
    this.lastProblem = problem;
    if ((this.isShared || this.standIn) && !repeated) this.sink?.reject(problem);
  }

  private async cache(state: TlsState, standIn: IdentitySource | undefined): Promise<void> {
    // The stand-in writes the same directory: it must be done before the shared identity lands there.
    await standIn?.stop();
    if (this.cached === state || sameIdentity(this.cached, state)) return;
    await this.options.cache.save(state, undefined);
    this.cached = state;
  }

  private cacheFailed(error: unknown): void {
    this.sink?.reject(`cannot keep a copy of the shared certificate in ${this.options.cache.description}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function sameIdentity(a: TlsState | undefined, b: TlsState): boolean {
  return a !== undefined && a.certificate === b.certificate && a.key === b.key && a.caKey === b.caKey && a.caCertificates.join('') === b.caCertificates.join('');
}
