import type { JsonValue } from '../../injection/kubernetes-types.ts';
import type { PathToken } from './pod-locations.ts';

/** One document of a manifest: its value, and edits that keep the rest of its text. */
export interface ManifestDocument {
  /** 1-based, as people count documents in a file. */
  readonly index: number;
  readonly value: JsonValue | undefined;
  /**
   * RFC 6902 `add` at `path` (tokens from the document root; `-` appends to a list).
   * `first` puts a new key before the others (a template's new metadata, before its spec).
   */
  add(path: readonly PathToken[], value: JsonValue, options?: { readonly first?: boolean }): void;
  readonly changed: boolean;
}

export interface Manifest {
  readonly format: 'yaml' | 'json';
  /** Each document once, in order; read them all (and edit them as they come) before render(). */
  documents(): Iterable<ManifestDocument>;
  /** The whole text again: unchanged documents byte for byte, changed ones re-serialised. */
  render(): string;
}
