import { STATUS_KEY } from '../../injection/annotations.ts';
import type { InjectionPolicy } from '../../injection/injector.ts';
import type { Pod } from '../../injection/kubernetes-types.ts';
import { selectSidecars } from '../../injection/selection.ts';
import type { SidecarConfig } from '../../injection/sidecar-config.ts';
import { planSidecars, type DroppedSidecar, type SidecarPlan } from '../../injection/sidecar-plan.ts';
import type { StoredPod } from './pod-findings.ts';

/** What would become of a stale pod's replacement, when it is worth saying before restarting. */
export interface ReplacementPreview {
  /** The engine's reason, when the webhook would refuse the new pod: fix that before restarting. */
  readonly refused?: string;
  /** Optional sidecars the new pod would go without, and why. */
  readonly dropped: readonly DroppedSidecar[];
  /** What the new pod's author would be told about its parameters (a value no longer allowed, one no longer declared). */
  readonly warnings: readonly string[];
}

/** The webhook's plan for the pod that replaces a stored one, or the unknown sidecar its annotation names. */
export type ReplacementPlan = { readonly kind: 'unknown'; readonly message: string } | { readonly kind: 'planned'; readonly plan: SidecarPlan };

/**
 * The webhook's decision for the pod that replaces this one, as far as today's templates
 * and the pod's own choices make it: its annotations (sidecars chosen, parameters set),
 * labels, namespace and service account, through the engine's selection and plan. Its
 * containers are not compared: the stored pod has the old sidecars in them. Undefined when
 * the new pod would not be injected (opted out, protected namespace, nothing selected).
 */
export function planReplacement(pod: StoredPod, config: SidecarConfig, policy: InjectionPolicy): ReplacementPlan | undefined {
  const { name, generateName, namespace, labels } = pod.metadata;
  if (policy.protectedNamespaces.has(namespace)) return undefined;
  const { [STATUS_KEY]: _status, ...annotations } = pod.metadata.annotations ?? {};
  const replacement: Pod = { metadata: { name, namespace, labels: labels ?? {}, annotations }, spec: { containers: [] } };
  const selection = selectSidecars(replacement, config);
  if (selection.kind === 'unknown') return { kind: 'unknown', message: selection.message };
  if (selection.kind === 'none') return undefined;
  // A controller names its pods from generateName, which is what {{ pod.name }} renders then.
  const context = { podName: generateName || name, namespace, serviceAccountName: pod.spec?.serviceAccountName || 'default' };
  return { kind: 'planned', plan: planSidecars(replacement, selection.names, selection.chosen, config, context) };
}

/** What a stale pod's replacement would meet, when it is worth saying before restarting; undefined when it would be injected without a word. */
export function previewReplacement(pod: StoredPod, config: SidecarConfig, policy: InjectionPolicy): ReplacementPreview | undefined {
  return previewOf(planReplacement(pod, config, policy));
}

/** The same, from a plan already made. */
export function previewOf(planned: ReplacementPlan | undefined): ReplacementPreview | undefined {
  if (planned === undefined) return undefined;
  if (planned.kind === 'unknown') return { refused: planned.message, dropped: [], warnings: [] };
  const { plan } = planned;
  if (plan.refusal) return { refused: plan.refusal.message, dropped: plan.dropped, warnings: plan.warnings };
  return plan.dropped.length > 0 || plan.warnings.length > 0 ? { dropped: plan.dropped, warnings: plan.warnings } : undefined;
}

/** Lines that follow "a new pod", in the words of the engine's messages. */
export function describeReplacement(preview: ReplacementPreview): string[] {
  return [
    ...(preview.refused === undefined ? [] : [`would be refused: ${preview.refused}`]),
    ...preview.dropped.map(({ name, reason }) => `would go without ${name} (optional): ${reason}`),
    ...preview.warnings.map((warning) => `would be warned: ${warning}`),
  ];
}
