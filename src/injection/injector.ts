import type { AdmissionRequest } from './admission-review.ts';
import { STATUS_KEY } from './annotations.ts';
import { clipText } from './clip-text.ts';
import { formatInjectionStatus, parseInjectionStatus } from './injection-status.ts';
import type { JsonPatch } from './json-patch.ts';
import type { JsonValue, Pod } from './kubernetes-types.ts';
import { mergeSidecars } from './merge-sidecars.ts';
import { buildInjectionPatch } from './patch-builder.ts';
import { asPod, findPodShapeProblem } from './pod-shape.ts';
import { selectSidecars } from './selection.ts';
import type { RenderContext, SidecarConfig } from './sidecar-config.ts';
import { planSidecars, type DroppedSidecar, type PlannedSidecar, type SidecarPlan } from './sidecar-plan.ts';
import type { ParameterValues } from './template-parameters.ts';

export type { DroppedSidecar } from './sidecar-plan.ts';

export interface InjectionPolicy {
  /** Namespaces whose pods are never injected: the system's and the injector's own. */
  readonly protectedNamespaces: ReadonlySet<string>;
}

export type SkipReason = 'not-a-pod-create' | 'protected-namespace' | 'opted-out' | 'already-injected' | 'nothing-selected' | 'all-dropped';
export type RefusalReason = 'invalid-pod' | 'unknown-sidecar' | 'sidecar-clash' | 'pod-conflict' | 'namespace-not-allowed' | 'invalid-parameter';

/**
 * `warnings` are for the pod's author (the webhook returns them as AdmissionResponse
 * warnings, kubectl prints them); they never change the outcome. `dropped` lists optional
 * sidecars (`required: false`) left out of this pod, with the reason. Both are present on
 * every decision `decideInjection` returns, usually empty; optional only so that code
 * building decisions by hand (tests, other engines) need not spell them out.
 */
export type InjectionDecision =
  | { readonly outcome: 'skipped'; readonly reason: SkipReason; readonly message: string; readonly warnings?: readonly string[]; readonly dropped?: readonly DroppedSidecar[] }
  | { readonly outcome: 'injected'; readonly sidecars: readonly string[]; readonly patch: JsonPatch; readonly warnings?: readonly string[]; readonly dropped?: readonly DroppedSidecar[] }
  | { readonly outcome: 'refused'; readonly reason: RefusalReason; readonly message: string; readonly warnings?: readonly string[] };

const NONE: readonly never[] = Object.freeze([]);

/**
 * The whole injection decision for one admission request: pure, synchronous, and the
 * same for dry runs, so a CLI can reuse it (the webhook records Events outside it, and
 * never for dry runs).
 */
export function decideInjection(request: AdmissionRequest, config: SidecarConfig, policy: InjectionPolicy): InjectionDecision {
  if (!isPodCreate(request)) {
    return skipped('not-a-pod-create', `only pod creation is mutated, not ${request.operation} of ${request.kind.kind}${request.subResource ? `/${request.subResource}` : ''}`);
  }
  // Checked before the pod's shape: nothing about a system pod may make the injector refuse it.
  const namespace = request.namespace || podNamespace(request.object);
  if (policy.protectedNamespaces.has(namespace)) {
    return skipped('protected-namespace', `namespace "${clipText(namespace, 63)}" is never injected`);
  }
  const shapeProblem = findPodShapeProblem(request.object);
  if (shapeProblem) return refused('invalid-pod', `the pod cannot be injected: ${shapeProblem}`);
  const pod = asPod(request.object);

  const selection = selectSidecars(pod, config);
  if (selection.kind === 'none') {
    return skipped(selection.reason, selection.message, selection.reason === 'already-injected' ? statusWarnings(pod, config) : NONE);
  }
  if (selection.kind === 'unknown') return refused('unknown-sidecar', selection.message);

  const plan = planSidecars(pod, selection.names, selection.chosen, config, renderContext(pod, namespace));
  if (plan.refusal) return refused(plan.refusal.reason, plan.refusal.message, authorWarnings(plan));
  if (plan.sidecars.length === 0 && plan.dropped.length === 0) {
    return skipped('nothing-selected', `no default sidecar may be used in namespace "${clipText(namespace, 63)}"`);
  }
  let sidecars: readonly PlannedSidecar[] = plan.sidecars;
  // Each pass either injects, refuses, or drops one optional sidecar: at most one pass per sidecar.
  for (;;) {
    if (sidecars.length === 0) {
      return skipped('all-dropped', `every sidecar for this pod was optional and left out: ${plan.dropped.map(({ name, reason }) => `${name} (${reason})`).join('; ')}`, authorWarnings(plan), plan.dropped);
    }
    const merge = mergeSidecars(sidecars.map(({ sidecar, parts }) => ({ name: sidecar.name, parts, initPlacement: sidecar.initPlacement })));
    if (!merge.ok) {
      // The later template is dropped first: the file's order says which the operator put first.
      const victim = [...merge.owners].reverse().find((owner) => !sidecars.find(({ sidecar }) => sidecar.name === owner)!.sidecar.required);
      if (victim === undefined) return refused('sidecar-clash', merge.message, authorWarnings(plan));
      const other = merge.owners[0] === victim ? merge.owners[1] : merge.owners[0];
      sidecars = drop(sidecars, victim, `defines ${merge.subject} unlike sidecar "${other}"`, plan);
      continue;
    }
    const result = buildInjectionPatch(pod, merge.merged, { [STATUS_KEY]: statusOf(sidecars) });
    if (!result.ok) {
      if (sidecars.find(({ sidecar }) => sidecar.name === result.owner)!.sidecar.required) return refused('pod-conflict', result.message, authorWarnings(plan));
      sidecars = drop(sidecars, result.owner, result.reason, plan);
      continue;
    }
    return { outcome: 'injected', sidecars: sidecars.map(({ sidecar }) => sidecar.name), patch: result.patch, warnings: authorWarnings(plan, result.warnings), dropped: plan.dropped.length === 0 ? NONE : plan.dropped };
  }
}

export function isPodCreate(request: AdmissionRequest): boolean {
  return request.operation === 'CREATE' && request.kind.kind === 'Pod' && (request.kind.group ?? '') === '' && !request.subResource;
}

/** What the pod's author is told, in the order it happened: parameters, dropped sidecars, then what the patch left out. */
function authorWarnings(plan: SidecarPlan, more: readonly string[] = NONE): readonly string[] {
  if (plan.warnings.length === 0 && plan.dropped.length === 0) return more;
  return [...plan.warnings, ...plan.dropped.map(({ name, reason }) => `sidecar "${name}" (optional) left out: ${reason}`), ...more];
}

function drop(sidecars: readonly PlannedSidecar[], name: string, reason: string, plan: SidecarPlan): readonly PlannedSidecar[] {
  plan.dropped.push({ name, reason });
  return sidecars.filter(({ sidecar }) => sidecar.name !== name);
}

function statusOf(sidecars: readonly PlannedSidecar[]): string {
  const hashes: Record<string, string> = {};
  let parameters: Record<string, ParameterValues> | undefined;
  for (const { sidecar, parameters: values } of sidecars) {
    hashes[sidecar.name] = sidecar.hash;
    if (sidecar.parameters.size > 0) (parameters ??= {})[sidecar.name] = values;
  }
  return formatInjectionStatus(parameters ? { sidecars: hashes, parameters } : { sidecars: hashes });
}

/**
 * A pod that carries the status annotation is never injected again; when it lacks the
 * containers the annotation names (a manifest copied from an injected pod, then edited),
 * its author should know why it has no sidecar.
 */
function statusWarnings(pod: Pod, config: SidecarConfig): readonly string[] {
  const status = parseInjectionStatus(pod.metadata?.annotations);
  if (!status) return NONE;
  const present = new Set([...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((container) => container.name));
  const warnings: string[] = [];
  for (const name of Object.keys(status.sidecars)) {
    const missing = config.sidecars.get(name)?.containerNames.filter((container) => !present.has(container)) ?? [];
    if (missing.length > 0) warnings.push(`${STATUS_KEY} names sidecar "${name}" but its container "${missing[0]}" is missing; not injected again`);
  }
  return warnings;
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

function skipped(reason: SkipReason, message: string, warnings: readonly string[] = NONE, dropped: readonly DroppedSidecar[] = NONE): InjectionDecision {
  return { outcome: 'skipped', reason, message, warnings, dropped };
}

function refused(reason: RefusalReason, message: string, warnings: readonly string[] = NONE): InjectionDecision {
  return { outcome: 'refused', reason, message, warnings };
}
