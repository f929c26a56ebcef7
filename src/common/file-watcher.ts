import { statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface FileWatcherOptions {
  /** Changes closer together than this are handled once (editors and kubelet write in steps). */
  readonly debounceMs?: number;
  /** A stat poll behind the event watcher: some volume types never deliver fs events. */
  readonly pollMs?: number;
}

/**
 * Calls `onChange` when any of the files changes: content, replacement, or the atomic
 * `..data` symlink swap the kubelet uses for ConfigMap and Secret volumes. It watches
 * the directories rather than the files, since a watch on a replaced file goes silent.
 */
export class FileWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly poller: NodeJS.Timeout;
  private debounce: NodeJS.Timeout | undefined;
  private signature: string;
  private checking = false;
  private closed = false;

  constructor(
    private readonly paths: readonly string[],
    private readonly onChange: () => void,
    private readonly options: FileWatcherOptions = {},
  ) {
    // Taken synchronously, so a change right after the caller's own read is not missed.
    this.signature = paths.map((path) => fingerprint(() => statSync(path))).join('|');
    for (const directory of new Set(paths.map((path) => dirname(path)))) {
      try {
        const watcher = watch(directory, { persistent: false }, () => this.schedule());
        watcher.on('error', () => undefined);
        this.watchers.push(watcher);
      } catch {
        // The directory may not exist yet; the poll below still notices when it appears.
      }
    }
    this.poller = setInterval(() => void this.check(), options.pollMs ?? 2_000).unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    clearTimeout(this.debounce);
    for (const watcher of this.watchers) watcher.close();
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.check(), this.options.debounceMs ?? 100).unref();
  }

  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const signature = await this.snapshot();
      if (signature !== this.signature) {
        this.signature = signature;
        if (!this.closed) this.onChange();
      }
    } finally {
      this.checking = false;
    }
  }

  private async snapshot(): Promise<string> {
    const parts = await Promise.all(
      this.paths.map((path) =>
        stat(path).then(
          (info) => fingerprint(() => info),
          () => 'missing',
        ),
      ),
    );
    return parts.join('|');
  }
}

/** stat follows symlinks, so a swapped `..data` link shows up as a new inode. */
function fingerprint(read: () => Stats): string {
  try {
    const info = read();
    return `${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
