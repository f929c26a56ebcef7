import type { ReviewOutcome } from '../admission/injection.service.ts';
import type { Pod } from '../injection/kubernetes-types.ts';

/** The object an event is about, as events.k8s.io `regarding` names it. */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
}

export interface PodEvent {
  readonly regarding: EventSubject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: 'Injected' | 'InjectionSkipped' | 'InjectionRefused' | 'SidecarDropped';
  readonly note: string;
}

interface OwnerReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly controller?: boolean;
}

/** Skips worth telling a person about; the rest are routine (reinvocations, system namespaces, other kinds). */
const TOLD_SKIPS = new Set(['opted-out', 'nothing-selected', 'all-dropped']);
/** The apiserver caps an event's note at 1 kB. */
const MAX_NOTE = 1024;

/**
 * What to tell a person about one admission, and on which object: the pod's controller
 * (`kubectl describe rs/...` shows why its pods look as they do, even pods that were
 * refused and never existed), else the pod itself when it already has a name.
 */
export function podEventFor({ request, decision }: ReviewOutcome): PodEvent | undefined {
  if (request.dryRun === true) return undefined;
  if (decision.outcome === 'skipped' && !TOLD_SKIPS.has(decision.reason)) return undefined;
  const regarding = subjectOf(request.object as Pod | undefined, request.namespace ?? '');
  if (!regarding) return undefined;
  const pod = podLabel(request.object as Pod | undefined);
  // Optional sidecars (required: false) left out of a pod: the operator should see it on the owner.
  const dropped = decision.outcome === 'refused' ? undefined : decision.dropped;
  if (dropped && dropped.length > 0) {
    const done = decision.outcome === 'injected' ? `Injected sidecars ${decision.sidecars.join(', ')} into pod ${pod}; left out` : `No sidecars for pod ${pod}: left out`;
    return { regarding, type: 'Warning', reason: 'SidecarDropped', note: clip(`${done} optional sidecars ${dropped.map(({ name, reason }) => `${name} (${reason})`).join('; ')}`) };
  }
  switch (decision.outcome) {
    case 'injected':
      return { regarding, type: 'Normal', reason: 'Injected', note: clip(`Injected sidecars ${decision.sidecars.join(', ')} into pod ${pod}`) };
    case 'skipped':
      return { regarding, type: 'Normal', reason: 'InjectionSkipped', note: clip(`No sidecars for pod ${pod}: ${decision.message}`) };
    case 'refused':
      return { regarding, type: 'Warning', reason: 'InjectionRefused', note: clip(`Refused pod ${pod}: ${decision.message}`) };
  }
}

function subjectOf(pod: Pod | undefined, namespace: string): EventSubject | undefined {
  if (!namespace) return undefined;
  // The pod is what the client sent, checked only as far as injection needs: any field may hold any JSON.
  const owners: unknown = pod?.metadata?.['ownerReferences'];
  const owner = Array.isArray(owners) ? (owners as unknown[]).find((reference): reference is OwnerReference => isRecord(reference) && reference['controller'] === true) : undefined;
  if (owner && isText(owner.kind) && isText(owner.name) && isText(owner.apiVersion)) {
    return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, namespace, ...(isText(owner.uid) ? { uid: owner.uid } : {}) };
  }
  const name: unknown = pod?.metadata?.name;
  return isText(name) ? { apiVersion: 'v1', kind: 'Pod', name, namespace } : undefined;
}

function podLabel(pod: Pod | undefined): string {
  const name: unknown = pod?.metadata?.name;
  const generateName: unknown = pod?.metadata?.generateName;
  if (isText(name)) return name;
  return isText(generateName) ? `${generateName}*` : '(unnamed)';
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clip(note: string): string {
  return note.length <= MAX_NOTE ? note : `${note.slice(0, MAX_NOTE - 1)}…`;
}
