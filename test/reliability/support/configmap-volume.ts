import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConfigMapVolume {
  /** What the pod sees: `<dir>/<key>`, a symlink through `..data`. */
  readonly path: string;
  /** Publishes new content the way the kubelet does: a new directory, then one atomic rename of `..data`. */
  update(content: string): void;
  remove(): void;
}

/**
 * A directory laid out like a mounted ConfigMap (the kubelet's AtomicWriter): the key is a
 * symlink to `..data/<key>`, `..data` a symlink to a timestamped directory. An update never
 * shows a reader half a file, and swaps the inode the watcher sees.
 */
export function configMapVolume(key: string, content: string): ConfigMapVolume {
  const dir = mkdtempSync(join(tmpdir(), 'reliability-configmap-'));
  let version = 0;
  let current: string | undefined;
  const update = (text: string): void => {
    const next = `..${new Date().toISOString().replace(/[-:]/g, '_')}.${++version}`;
    mkdirSync(join(dir, next));
    writeFileSync(join(dir, next, key), text);
    symlinkSync(next, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    if (current) rmSync(join(dir, current), { recursive: true, force: true });
    current = next;
  };
  update(content);
  symlinkSync(join('..data', key), join(dir, key));
  return { path: join(dir, key), update, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
