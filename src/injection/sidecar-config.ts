import type { Container, EnvVar, Volume, VolumeMount } from './kubernetes-types.ts';

/** What one sidecar adds to a pod, after the operator's file has been validated and compiled. */
export interface SidecarParts {
  /** Appended after the app's containers. */
  readonly containers: readonly Container[];
  /**
   * Placed before the app's init containers: the template's own init containers, then
   * (for `native: true`) its containers as restartPolicy: Always init containers, so they
   * run while the app initialises and do not keep a Job's pod alive.
   */
  readonly initContainers: readonly Container[];
  readonly volumes: readonly Volume[];
  /** Added to every app container (spec.containers) that has nothing at that mountPath. */
  readonly volumeMounts: readonly VolumeMount[];
  /** Added to every app container; a variable the container already sets wins. */
  readonly env: readonly EnvVar[];
  /** Added to the pod; an annotation the pod already has wins. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Values a template may reference as `{{ pod.name }}` and so on. Never chosen freely by a pod. */
export interface RenderContext {
  /** metadata.name, or generateName when the apiserver has not named the pod yet. */
  readonly podName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
}

export interface Sidecar {
  readonly name: string;
  readonly isDefault: boolean;
  /** Short digest of the template as written: tells a stale injection from a current one. */
  readonly hash: string;
  render(context: RenderContext): SidecarParts;
}

export interface SidecarConfig {
  /** In file order, which is also injection order. */
  readonly sidecars: ReadonlyMap<string, Sidecar>;
  readonly defaults: readonly string[];
  /** Digest of the whole file's meaning (not its formatting). */
  readonly hash: string;
  /** Non-fatal findings, e.g. container fields this version does not know. */
  readonly warnings: readonly string[];
}
