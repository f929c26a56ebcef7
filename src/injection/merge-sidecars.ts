import { isDeepStrictEqual } from 'node:util';
import { clipText } from './clip-text.ts';
import type { InitPlacement } from './init-placement.ts';
import type { Container, EnvVar, JsonValue, Volume, VolumeMount } from './kubernetes-types.ts';
import type { SidecarParts } from './sidecar-config.ts';

/** An item to add, with the sidecar it came from, so a conflict can name its source. */
export interface Owned<T> {
  readonly owner: string;
  readonly value: T;
}

/** An init container to add: a template's own (placed by `placement`) or a native sidecar (always first). */
export interface OwnedInit extends Owned<Container> {
  readonly native: boolean;
  readonly placement: InitPlacement;
}

export interface MergedSidecars {
  readonly containers: readonly Owned<Container>[];
  /** In file order; per sidecar, its own init containers before its native sidecars. */
  readonly initContainers: readonly OwnedInit[];
  readonly volumes: readonly Owned<Volume>[];
  readonly volumeMounts: readonly Owned<VolumeMount>[];
  readonly env: readonly Owned<EnvVar>[];
  readonly annotations: readonly Owned<readonly [key: string, value: string]>[];
}

export interface RenderedSidecar {
  readonly name: string;
  readonly parts: SidecarParts;
  readonly initPlacement: InitPlacement;
}

export type MergeResult =
  | { readonly ok: true; readonly merged: MergedSidecars }
  /** `subject` is what they disagree on: `volume "shared-tmp"`. */
  | { readonly ok: false; readonly message: string; readonly owners: readonly [earlier: string, later: string]; readonly subject: string };

/**
 * Combines the chosen sidecars in order. Two sidecars may share an identical item (it is
 * added once); the same name with different content is a clash the operator must fix,
 * because silently picking one would inject something neither template describes alone.
 */
export function mergeSidecars(sidecars: readonly RenderedSidecar[]): MergeResult {
  const containerNames = new Index<Container>('container');
  const volumes = new Index<Volume>('volume');
  const mounts = new Index<VolumeMount>('volume mount at');
  const env = new Index<EnvVar>('environment variable');
  const annotations = new Index<string>('annotation');
  const merged = {
    containers: [] as Owned<Container>[],
    initContainers: [] as OwnedInit[],
    volumes: [] as Owned<Volume>[],
    volumeMounts: [] as Owned<VolumeMount>[],
    env: [] as Owned<EnvVar>[],
    annotations: [] as Owned<readonly [string, string]>[],
  };

  try {
    for (const { name: owner, parts, initPlacement: placement } of sidecars) {
      for (const value of parts.containers) if (containerNames.admit(value.name, owner, value, 'containers')) merged.containers.push({ owner, value });
      for (const value of parts.initContainers) if (containerNames.admit(value.name, owner, value, 'initContainers')) merged.initContainers.push({ owner, value, native: false, placement });
      for (const value of parts.nativeSidecars) if (containerNames.admit(value.name, owner, value, 'initContainers')) merged.initContainers.push({ owner, value, native: true, placement });
      for (const value of parts.volumes) if (volumes.admit(value.name, owner, value)) merged.volumes.push({ owner, value });
      for (const value of parts.volumeMounts) if (mounts.admit(value.mountPath, owner, value)) merged.volumeMounts.push({ owner, value });
      for (const value of parts.env) if (env.admit(value.name, owner, value)) merged.env.push({ owner, value });
      for (const [key, value] of Object.entries(parts.annotations)) if (annotations.admit(key, owner, value)) merged.annotations.push({ owner, value: [key, value] });
    }
  } catch (error) {
    if (error instanceof ClashError) return { ok: false, message: error.message, owners: error.owners, subject: error.subject };
    throw error;
  }
  return { ok: true, merged };
}

class ClashError extends Error {
  constructor(
    readonly subject: string,
    readonly owners: readonly [string, string],
  ) {
    super(`sidecars "${owners[0]}" and "${owners[1]}" both define ${subject} differently; choose one of them or make the templates agree`);
  }
}

class Index<T extends JsonValue> {
  private readonly seen = new Map<string, { owner: string; value: T; slot: string }>();
  constructor(private readonly what: string) {}

  /** True when the item is new; false when an identical one is already in; throws on a clash. */
  admit(key: string, owner: string, value: T, slot = ''): boolean {
    const earlier = this.seen.get(key);
    if (!earlier) {
      this.seen.set(key, { owner, value, slot });
      return true;
    }
    // Templates are JSON from YAML, rendered values are JSON: deep strict equality is JSON equality here (key order aside).
    if (earlier.slot === slot && isDeepStrictEqual(earlier.value, value)) return false;
    throw new ClashError(`${this.what} ${JSON.stringify(clipText(key, 64))}`, [earlier.owner, owner]);
  }
}
