import type { JsonValue } from '../../injection/kubernetes-types.ts';
import type { PathToken } from './pod-locations.ts';

/** One document of a manifest: its value, and edits that keep the rest of its text. */
export interface ManifestDocument {
  /** 1-based, as people count documents in a file. */
  readonly index: number;
  readonly value: JsonValue | undefined;
  /** RFC 6902 `add` at `path` (tokens from the document root; `-` appends to a list). */
  add(path: readonly PathToken[], value: JsonValue): void;
  /** Makes sure a mapping exists at `path` (a template without metadata gets `metadata: {}`). */
  ensureMap(path: readonly PathToken[]): void;
  readonly changed: boolean;
}

export interface Manifest {
  readonly format: 'yaml' | 'json';
  readonly documents: readonly ManifestDocument[];
  /** The whole text again: unchanged documents byte for byte, changed ones re-serialised. */
  render(): string;
}
