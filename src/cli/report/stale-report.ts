import { rolloutAdvice, type Owner, type RolloutAdvice } from './owner.ts';
import type { Finding } from './pod-findings.ts';
import type { ReplacementPreview } from './replacement-preview.ts';

export interface StalePod {
  readonly namespace: string;
  readonly name: string;
  readonly owner: Owner;
  readonly findings: readonly Finding[];
  /** Said when the webhook would refuse the pod that replaces it, leave out an optional sidecar, or warn its author. */
  readonly replacement?: ReplacementPreview;
}

/** A stale pod as a group lists it. */
export type GroupedPod = Omit<StalePod, 'namespace' | 'owner'>;

/** Stale pods that one command restarts. */
export interface StaleGroup {
  readonly namespace: string;
  readonly owner: Owner;
  readonly advice: RolloutAdvice;
  readonly pods: readonly GroupedPod[];
}

export interface StaleReport {
  readonly webhook: string;
  readonly templates: { readonly source: string; readonly hash: string };
  readonly checked: { readonly namespaces: number; readonly pods: number };
  readonly stalePods: number;
  readonly groups: readonly StaleGroup[];
}

/** Groups stale pods by namespace and owner, in a stable order (namespace, kind, name). */
export function groupStalePods(pods: readonly StalePod[]): StaleGroup[] {
  const groups = new Map<string, { namespace: string; owner: Owner; pods: GroupedPod[] }>();
  for (const pod of pods) {
    const key = JSON.stringify([pod.namespace, pod.owner.kind, pod.owner.name]);
    let group = groups.get(key);
    if (!group) {
      group = { namespace: pod.namespace, owner: pod.owner, pods: [] };
      groups.set(key, group);
    }
    const { namespace: _namespace, owner: _owner, ...grouped } = pod;
    group.pods.push(grouped);
  }
  return [...groups.values()]
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.owner.kind, b.owner.kind) || compare(a.owner.name, b.owner.name))
    .map((group) => {
      const names = group.pods.map((pod) => pod.name).sort(compare);
      return { namespace: group.namespace, owner: group.owner, advice: rolloutAdvice(group.namespace, group.owner, names), pods: [...group.pods].sort((a, b) => compare(a.name, b.name)) };
    });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
