import type { AdmissionRequest } from './admission-review.ts';
import { STATUS_KEY } from './annotations.ts';
import { formatInjectionStatus } from './injection-status.ts';
import type { JsonPatch } from './json-patch.ts';
import type { JsonValue, Pod } from './kubernetes-types.ts';
import { mergeSidecars } from './merge-sidecars.ts';
import { buildInjectionPatch } from './patch-builder.ts';
import { asPod, findPodShapeProblem } from './pod-shape.ts';
import { selectSidecars } from './selection.ts';
import type { RenderContext, SidecarConfig } from './sidecar-config.ts';

export interface InjectionPolicy {
  /** Namespaces whose pods are never injected: the system's and the injector's own. */
  readonly protectedNamespaces: ReadonlySet<string>;
}

export type SkipReason = 'not-a-pod-create' | 'protected-namespace' | 'opted-out' | 'already-injected' | 'nothing-selected';
export type RefusalReason = 'invalid-pod' | 'unknown-sidecar' | 'sidecar-clash' | 'pod-conflict';

export type InjectionDecision =
  | { readonly outcome: 'skipped'; readonly reason: SkipReason; readonly message: string }
  | { readonly outcome: 'injected'; readonly sidecars: readonly string[]; readonly patch: JsonPatch }
  | { readonly outcome: 'refused'; readonly reason: RefusalReason; readonly message: string };

/**
 * The whole injection decision for one admission request: pure, synchronous, and the
 * same for dry runs, so the webhook can declare sideEffects: None and a CLI can reuse it.
 */
export function decideInjection(request: AdmissionRequest, config: SidecarConfig, policy: InjectionPolicy): InjectionDecision {
  if (!isPodCreate(request)) {
    return skipped('not-a-pod-create', `only pod creation is mutated, not ${request.operation} of ${request.kind.kind}${request.subResource ? `/${request.subResource}` : ''}`);
  }
  // Checked before the pod's shape: nothing about a system pod may make the injector refuse it.
  const namespace = request.namespace || podNamespace(request.object);
  if (policy.protectedNamespaces.has(namespace)) {
    return skipped('protected-namespace', `namespace "${namespace}" is never injected`);
  }
  const shapeProblem = findPodShapeProblem(request.object);
  if (shapeProblem) return refused('invalid-pod', `the pod cannot be injected: ${shapeProblem}`);
  const pod = asPod(request.object);

  const selection = selectSidecars(pod, config);
  if (selection.kind === 'none') return skipped(selection.reason, selection.message);
  if (selection.kind === 'unknown') return refused('unknown-sidecar', selection.message);

  const context = renderContext(pod, namespace);
  const sidecars = selection.names.map((name) => {
    const sidecar = config.sidecars.get(name)!;
    return { name, hash: sidecar.hash, parts: sidecar.render(context) };
  });
  const merge = mergeSidecars(sidecars);
  if (!merge.ok) return refused('sidecar-clash', merge.message);

  const status = formatInjectionStatus({ sidecars: Object.fromEntries(sidecars.map(({ name, hash }) => [name, hash])) });
  const result = buildInjectionPatch(pod, merge.merged, { [STATUS_KEY]: status });
  if (!result.ok) return refused('pod-conflict', result.message);
  return { outcome: 'injected', sidecars: selection.names, patch: result.patch };
}

export function isPodCreate(request: AdmissionRequest): boolean {
  return request.operation === 'CREATE' && request.kind.kind === 'Pod' && (request.kind.group ?? '') === '' && !request.subResource;
}

function podNamespace(object: JsonValue | undefined): string {
  const metadata = (object as { metadata?: { namespace?: unknown } } | null | undefined)?.metadata;
  return typeof metadata?.namespace === 'string' ? metadata.namespace : '';
}

function renderContext(pod: Pod, namespace: string): RenderContext {
  return {
    podName: pod.metadata?.name || pod.metadata?.generateName || '',
    namespace,
    serviceAccountName: pod.spec.serviceAccountName || 'default',
  };
}

function skipped(reason: SkipReason, message: string): InjectionDecision {
  return { outcome: 'skipped', reason, message };
}

function refused(reason: RefusalReason, message: string): InjectionDecision {
  return { outcome: 'refused', reason, message };
}
