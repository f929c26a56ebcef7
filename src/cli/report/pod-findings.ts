import type { AdmissionRequest } from '../../injection/admission-review.ts';
import { STATUS_KEY } from '../../injection/annotations.ts';
import { parseInjectionStatus, type InjectionStatus } from '../../injection/injection-status.ts';
import { decideInjection, type InjectionPolicy } from '../../injection/injector.ts';
import type { JsonValue } from '../../injection/kubernetes-types.ts';
import type { SidecarConfig } from '../../injection/sidecar-config.ts';
import type { ParameterValue } from '../../injection/template-parameters.ts';
import { planReplacement, previewOf, type ReplacementPlan, type ReplacementPreview } from './replacement-preview.ts';

/** Why a running pod does not carry what the webhook would give it today. */
export type Finding =
  /** No status annotation, and the webhook would inject it now: created before its namespace was selected, or while the webhook was down with failurePolicy Ignore. */
  | { readonly kind: 'not-injected'; readonly sidecars: readonly string[] }
  /**
   * Injected from a template that has changed since (its parameter declarations included);
   * `parameters`: the values the status annotation says it was rendered with, if it declares any.
   */
  | { readonly kind: 'outdated'; readonly sidecar: string; readonly injectedHash: string; readonly currentHash: string; readonly parameters?: Readonly<Record<string, ParameterValue>> }
  /** Carries a sidecar whose template may no longer be used in the pod's namespace. */
  | { readonly kind: 'namespace-not-allowed'; readonly sidecar: string; readonly namespace: string; readonly allowed: readonly string[] }
  /** Injected, but without sidecars a new pod would get today: made default, or a template the pod chose that was missing then. */
  | { readonly kind: 'missing'; readonly sidecars: readonly string[] }
  /** Carries a sidecar whose template is no longer in the file. */
  | { readonly kind: 'removed'; readonly sidecar: string; readonly injectedHash: string }
  /** A status annotation this version cannot read (hand-edited, or from an unknown version). */
  | { readonly kind: 'unreadable-status' };

/** The slice of a stored core/v1 Pod the report reads. */
export interface StoredPod {
  readonly metadata: {
    readonly name: string;
    readonly generateName?: string | null;
    readonly namespace: string;
    readonly labels?: Readonly<Record<string, string>> | null;
    readonly annotations?: Readonly<Record<string, string>> | null;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string; readonly controller?: boolean }[] | null;
    readonly deletionTimestamp?: string | null;
  };
  readonly spec?: { readonly serviceAccountName?: string | null } | null;
  readonly status?: { readonly phase?: string } | null;
}

/** A selected pod against today's templates: what is stale about it, and what its replacement would meet. */
export interface PodExamination {
  readonly findings: Finding[];
  /** Only for a stale injected pod: a never-injected one was judged by the engine as a whole already. */
  readonly replacement?: ReplacementPreview;
}

/**
 * Compares a pod with today's templates: its status annotation (parsed by the engine's
 * own reader) against the current hashes and against the plan for its replacement (made
 * once, for the missing sidecars and the preview both), and, when it has none, the
 * engine's decision for the same pod created now.
 */
export function examinePod(pod: StoredPod, config: SidecarConfig, policy: InjectionPolicy): PodExamination {
  const annotations = pod.metadata.annotations ?? undefined;
  if (annotations?.[STATUS_KEY] === undefined) {
    const decision = decideInjection(creationOf(pod), config, policy);
    return { findings: decision.outcome === 'injected' ? [{ kind: 'not-injected', sidecars: decision.sidecars }] : [] };
  }
  const planned = planReplacement(pod, config, policy);
  const status = parseInjectionStatus(annotations);
  const findings: Finding[] = status ? injectedFindings(pod, status, config, planned) : [{ kind: 'unreadable-status' }];
  const replacement = findings.length > 0 ? previewOf(planned) : undefined;
  return replacement ? { findings, replacement } : { findings };
}

export function findPodProblems(pod: StoredPod, config: SidecarConfig, policy: InjectionPolicy): Finding[] {
  return examinePod(pod, config, policy).findings;
}

function injectedFindings(pod: StoredPod, status: InjectionStatus, config: SidecarConfig, planned: ReplacementPlan | undefined): Finding[] {
  const findings: Finding[] = [];
  for (const [sidecar, injectedHash] of Object.entries(status.sidecars)) {
    const current = config.sidecars.get(sidecar);
    if (!current) {
      findings.push({ kind: 'removed', sidecar, injectedHash });
    } else if (current.namespaces && !current.namespaces.allows(pod.metadata.namespace)) {
      // More than outdated: a new pod goes without it, or is refused (see replacement-preview.ts).
      findings.push({ kind: 'namespace-not-allowed', sidecar, namespace: pod.metadata.namespace, allowed: current.namespaces.patterns });
    } else if (current.hash !== injectedHash) {
      const parameters = status.parameters?.[sidecar];
      findings.push({ kind: 'outdated', sidecar, injectedHash, currentHash: current.hash, ...(parameters ? { parameters } : {}) });
    }
  }
  const missing = sidecarsMissing(status.sidecars, planned);
  if (missing.length > 0) findings.push({ kind: 'missing', sidecars: missing });
  return findings;
}

/**
 * What today's plan for the pod's replacement holds that the pod was not given. A sidecar the
 * plan drops (optional, not allowed here) is not missing; a plan the webhook would refuse is
 * the replacement preview's to tell.
 */
function sidecarsMissing(injected: Readonly<Record<string, string>>, planned: ReplacementPlan | undefined): string[] {
  if (planned?.kind !== 'planned' || planned.plan.refusal) return [];
  return planned.plan.sidecars.map(({ sidecar }) => sidecar.name).filter((name) => !Object.hasOwn(injected, name));
}

/** A pod that is finishing or finished gains nothing from a restart. */
export function isLive(pod: StoredPod): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

function creationOf(pod: StoredPod): AdmissionRequest {
  return {
    uid: `sidecar-injector-report-${pod.metadata.namespace}-${pod.metadata.name}`,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    operation: 'CREATE',
    object: pod as unknown as JsonValue,
    dryRun: true,
  };
}

export function describeFinding(finding: Finding): string {
  switch (finding.kind) {
    case 'not-injected':
      return `not injected (would get ${finding.sidecars.join(', ')})`;
    case 'outdated':
      return `outdated ${finding.sidecar} (injected ${finding.injectedHash}, now ${finding.currentHash})`;
    case 'missing':
      return `missing ${finding.sidecars.join(', ')} (a new pod would get ${finding.sidecars.length === 1 ? 'it' : 'them'})`;
    case 'removed':
      return `removed sidecar ${finding.sidecar} (no longer in the templates)`;
    case 'namespace-not-allowed':
      return `${finding.sidecar} no longer allowed in namespace ${finding.namespace} (allowed: ${finding.allowed.join(', ')})`;
    case 'unreadable-status':
      return 'unreadable status annotation';
  }
}
