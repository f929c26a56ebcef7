import { INJECT_KEY, SIDECARS_KEY, STATUS_KEY } from './annotations.ts';
import { clipText } from './clip-text.ts';
import type { Pod } from './kubernetes-types.ts';
import type { SidecarConfig } from './sidecar-config.ts';

export type Selection =
  | { readonly kind: 'none'; readonly reason: 'opted-out' | 'already-injected' | 'nothing-selected'; readonly message: string }
  | { readonly kind: 'unknown'; readonly message: string }
  /** `chosen`: named by the pod's annotation (else the defaults). Always in file order. */
  | { readonly kind: 'sidecars'; readonly names: readonly string[]; readonly chosen: boolean };

/** Decides which of the operator's sidecars a pod gets, from its own labels and annotations. */
export function selectSidecars(pod: Pod, config: SidecarConfig): Selection {
  const annotations = pod.metadata?.annotations ?? {};
  const labels = pod.metadata?.labels ?? {};
  if (annotations[STATUS_KEY] !== undefined) {
    return { kind: 'none', reason: 'already-injected', message: `the pod carries ${STATUS_KEY}: it was injected before` };
  }
  // Two plain reads, not a loop over [annotations, labels]: V8 kept deoptimising that loop's
  // keyed read, which made selection cost ten times more.
  const optedOut = isFalse(annotations[INJECT_KEY]) ? 'annotation' : isFalse(labels[INJECT_KEY]) ? 'label' : undefined;
  if (optedOut) return { kind: 'none', reason: 'opted-out', message: `the pod opted out with ${optedOut} ${INJECT_KEY}: "false"` };

  const requested = annotations[SIDECARS_KEY];
  if (requested === undefined) {
    if (config.defaults.length === 0) return { kind: 'none', reason: 'nothing-selected', message: `no sidecar is marked default and the pod has no ${SIDECARS_KEY} annotation` };
    return { kind: 'sidecars', names: config.defaults, chosen: false };
  }
  const names = [
    ...new Set(
      requested
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    ),
  ];
  if (names.length === 0) return { kind: 'none', reason: 'nothing-selected', message: `the pod's ${SIDECARS_KEY} annotation names no sidecar` };
  const unknown = names.filter((name) => !config.sidecars.has(name));
  if (unknown.length > 0) {
    const known = [...config.sidecars.keys()];
    return {
      kind: 'unknown',
      message: `unknown sidecar${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => JSON.stringify(clipText(name, 64))).join(', ')} in annotation ${SIDECARS_KEY}; known sidecars: ${known.length > 0 ? known.join(', ') : '(none configured)'}`,
    };
  }
  // The operator's file decides the order (an init container that sets up networking must
  // stay where it was put); the annotation only chooses which. An insertion sort: the list is
  // a handful of names, and Array#sort with a comparator costs more than the rest of selection.
  for (let next = 1; next < names.length; next++) {
    const name = names[next]!;
    const index = config.sidecars.get(name)!.index;
    let at = next;
    for (; at > 0 && config.sidecars.get(names[at - 1]!)!.index > index; at--) names[at] = names[at - 1]!;
    names[at] = name;
  }
  return { kind: 'sidecars', names, chosen: true };
}

function isFalse(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'false';
}
