import type { InitPlacement } from './init-placement.ts';
import type { Container, EnvVar, Volume, VolumeMount } from './kubernetes-types.ts';
import type { NamespaceScope } from './namespace-scope.ts';
import type { Parameter, ParameterValues } from './template-parameters.ts';

/** What one sidecar adds to a pod, after the operator's file has been validated and compiled. */
export interface SidecarParts {
  /** Appended after the app's containers. */
  readonly containers: readonly Container[];
  /** The template's own init containers, placed among the pod's by `initPlacement` (default: before them). */
  readonly initContainers: readonly Container[];
  /**
   * For `native: true`, the template's containers as restartPolicy: Always init containers,
   * always before the pod's own init containers (after this template's `first`-placed
   * ones), so they run while the app initialises and do not keep a Job's pod alive.
   */
  readonly nativeSidecars: readonly Container[];
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
  /** Position in the file: the order sidecars are injected in, whatever order a pod names them. */
  readonly index: number;
  readonly isDefault: boolean;
  /** false: anything that would refuse the pod because of this sidecar drops the sidecar instead. */
  readonly required: boolean;
  /** Short digest of the template as written (parameter declarations included): tells a stale injection from a current one. */
  readonly hash: string;
  /** Declared parameters, by name, in file order. */
  readonly parameters: ReadonlyMap<string, Parameter>;
  /** Every declared parameter at its default (empty when none is declared). */
  readonly defaultParameters: ParameterValues;
  /** undefined: every namespace the webhook selects may use it. */
  readonly namespaces: NamespaceScope | undefined;
  readonly initPlacement: InitPlacement;
  /** Its container and init container names (never templated): how a pod is seen to carry it. */
  readonly containerNames: readonly string[];
  /** Env names or mountPaths depend on the pod: a rendering must be checked for two that came out the same. */
  readonly keysVaryByPod: boolean;
  /** Without `parameters`, every parameter at its default (precompiled); with them, one value for every declared parameter. */
  render(context: RenderContext, parameters?: ParameterValues): SidecarParts;
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
