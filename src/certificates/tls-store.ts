import { checkPrivateDir, readTlsDir, writeTlsDir } from './tls-dir.ts';
import type { TlsState } from './tls-state.ts';

/** A stored identity and the version it was read at, for compare-and-swap saves. */
export interface StoredTls {
  readonly state: TlsState;
  readonly version: string | undefined;
}

/**
 * Where a self-signed identity lives between restarts, and how replicas share it.
 * `save` is compare-and-swap: it fails with "conflict" when someone saved since `load`.
 */
export interface TlsStore {
  readonly description: string;
  load(): Promise<StoredTls | undefined>;
  save(state: TlsState, version: string | undefined): Promise<'saved' | 'conflict'>;
  /** Notifies of changes made by others (another replica), if the store can see them. */
  watch?(onChange: () => void): () => void;
}

/** TLS_DIR on local disk: one process, no conflicts. */
export class DirectoryTlsStore implements TlsStore {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `directory ${dir}`;
  }

  async load(): Promise<StoredTls | undefined> {
    // Keys someone else could have written are not loaded, let alone served.
    if (!(await checkPrivateDir(this.dir))) return undefined;
    const state = await readTlsDir(this.dir);
    return state && { state, version: undefined };
  }

  async save(state: TlsState): Promise<'saved'> {
    await writeTlsDir(this.dir, state);
    return 'saved';
  }
}
