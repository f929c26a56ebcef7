import type { TlsState } from './tls-state.ts';

/** What came with an accepted identity, for the log and for readiness. */
export interface IdentityReport {
  /** What was done and why; empty when the identity was only loaded. */
  readonly changes: readonly string[];
  /** Bad input that was replaced (corrupt, mismatched, expired, wrong SAN), each with where it was. */
  readonly defects: readonly string[];
  /** Set while this identity stands in for the shared one, saying why; its CA bundle is not published. */
  readonly provisional?: string;
  /** What a person should know about an identity that is served anyway (a provided certificate that lacks an expected name); each said once. */
  readonly warnings?: readonly string[];
}

/** Receives what a source learns: a usable identity, or why there is none. */
export interface IdentitySink {
  accept(state: TlsState, report: IdentityReport): void;
  reject(problem: string): void;
}

/** Where the serving identity comes from; reports to its sink until stopped. */
export interface IdentitySource {
  /** Where the identity lives, for logs and readiness: "directory /tls", "Secret ns/name". */
  readonly description: string;
  /** Resolves once the first identity was accepted or rejected. */
  start(sink: IdentitySink): Promise<void>;
  /** Resolves once nothing more will reach the sink or the store. */
  stop(): Promise<void>;
}

/** setTimeout's ceiling; later deadlines are re-planned when it fires. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
