import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { FileWatcher } from '../common/file-watcher.ts';
import { SerialQueue } from '../common/serial-queue.ts';
import { MAX_TIMER_MS, type IdentitySink, type IdentitySource } from './identity-source.ts';
import { parseAll, servingProblem, uncovered } from './self-signed-plan.ts';
import { readTlsDir, TLS_FILES } from './tls-dir.ts';
import type { TlsState } from './tls-state.ts';

/** Which names a provided certificate must cover. */
export interface HostnameRules {
  /** Without these it is refused: the name this service registers for the apiserver to dial. */
  readonly required: readonly string[];
  /**
   * Names it should cover when this service does not register the webhook and so cannot know
   * which name the apiserver dials (a Helm release's Service, a URL): a gap is logged, once.
   */
  readonly expected?: { readonly hostnames: readonly string[]; readonly why: string };
}

/**
 * Certificates made elsewhere (cert-manager, a hand-made Secret) mounted in TLS_DIR.
 * A bad new version is refused and the last good one keeps serving.
 */
export class FilesSource implements IdentitySource {
  readonly description: string;
  private watcher: FileWatcher | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private sink: IdentitySink | undefined;
  /** Serialised: a file change and the expiry timer may fire together. */
  private readonly loads = new SerialQueue((error) => this.sink?.reject(`reloading ${this.dir} failed: ${error instanceof Error ? error.message : String(error)}; the next change will be read`));
  private stopped = false;
  /** The gap in expected names last reported, so that each reload of the same certificate does not say it again. */
  private reportedGap: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly hostnames: HostnameRules,
    private readonly clock: () => number = Date.now,
    private readonly watchPollMs?: number,
  ) {
    this.description = `files in ${dir}`;
  }

  async start(sink: IdentitySink): Promise<void> {
    this.sink = sink;
    await this.reload(sink);
    const paths = Object.values(TLS_FILES).map((name) => join(this.dir, name));
    this.watcher = new FileWatcher(paths, () => void this.reload(sink), this.watchPollMs === undefined ? {} : { pollMs: this.watchPollMs });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    clearTimeout(this.expiryTimer);
    await this.loads.idle();
  }

  private reload(sink: IdentitySink): Promise<void> {
    return this.loads.push(() => (this.stopped ? undefined : this.load(sink)));
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
    const problem = servingProblem(provided, cas, this.hostnames.required, this.clock());
    if (problem) return sink.reject(`${this.dir}: ${problem}`);
    const gap = this.gapIn(provided);
    const warnings = gap !== undefined && gap !== this.reportedGap ? [gap] : [];
    this.reportedGap = gap;
    sink.accept(provided, { changes: ['loaded from files'], defects: [], ...(warnings.length > 0 ? { warnings } : {}) });
    // An expired certificate is not a file change, but it must still turn readiness off.
    clearTimeout(this.expiryTimer);
    const expiresIn = Date.parse(new X509Certificate(provided.certificate).validTo) - this.clock();
    this.expiryTimer = setTimeout(() => void this.reload(sink), Math.min(expiresIn + 1_000, MAX_TIMER_MS)).unref();
  }

  private gapIn(state: TlsState): string | undefined {
    const expected = this.hostnames.expected;
    if (!expected) return undefined;
    const missing = uncovered(new X509Certificate(state.certificate), expected.hostnames);
    return missing.length > 0 ? `${this.dir}: the serving certificate does not cover ${missing.join(', ')}; serving it anyway, since ${expected.why}` : undefined;
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
