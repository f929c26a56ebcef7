import type { ReviewOutcome } from '../admission/injection.service.ts';
import { clip, clipUtf8 } from '../common/clip.ts';
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
/** The apiserver caps an event's note at 1,024 bytes of UTF-8 (Go's len), not characters. */
const MAX_NOTE_BYTES = 1024;
/** Object names (metadata.name) are DNS subdomains of at most 253 characters. */
const MAX_NAME = 253;
/** Namespaces are DNS labels of at most 63 characters. */
const MAX_NAMESPACE = 63;

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
  const pod = clip(podLabel(request.object as Pod | undefined), MAX_NAME);
  // Optional sidecars (required: false) left out of a pod: the operator should see it on the owner.
  const dropped = decision.outcome === 'refused' ? undefined : decision.dropped;
  if (dropped && dropped.length > 0) {
    const done = decision.outcome === 'injected' ? `Injected sidecars ${decision.sidecars.join(', ')} into pod ${pod}; left out` : `No sidecars for pod ${pod}: left out`;
    return { regarding, type: 'Warning', reason: 'SidecarDropped', note: clipUtf8(`${done} optional sidecars ${dropped.map(({ name, reason }) => `${name} (${clip(reason, MAX_NOTE_BYTES)})`).join('; ')}`, MAX_NOTE_BYTES) };
  }
  switch (decision.outcome) {
    case 'injected':
      return { regarding, type: 'Normal', reason: 'Injected', note: clipUtf8(`Injected sidecars ${decision.sidecars.join(', ')} into pod ${pod}`, MAX_NOTE_BYTES) };
    case 'skipped':
      return { regarding, type: 'Normal', reason: 'InjectionSkipped', note: clipUtf8(`No sidecars for pod ${pod}: ${clip(decision.message, MAX_NOTE_BYTES)}`, MAX_NOTE_BYTES) };
    case 'refused':
      return { regarding, type: 'Warning', reason: 'InjectionRefused', note: clipUtf8(`Refused pod ${pod}: ${clip(decision.message, MAX_NOTE_BYTES)}`, MAX_NOTE_BYTES) };
  }
}

/**
 * A name for an Event about `subject`, as client-go makes them (`<subject>.<unique suffix>`),
 * that the apiserver accepts: a DNS subdomain of at most 253 characters. The subject is a
 * pod's name as mutating admission sees it, before validation: any text, any length.
 */
export function eventName(subject: string, suffix: string): string {
  const room = MAX_NAME - suffix.length - 1;
  const base = subject
    .slice(0, room)
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .split('.')
    .map((part) => part.replace(/^-+|-+$/g, ''))
    .filter((part) => part !== '')
    .join('.')
    .slice(0, room)
    .replace(/[.-]+$/, '');
  return base === '' ? suffix : `${base}.${suffix}`;
}

function subjectOf(pod: Pod | undefined, namespace: string): EventSubject | undefined {
  // The apiserver only asks about pods in namespaces that exist; anything else came from elsewhere and has nowhere to go.
  if (!namespace || namespace.length > MAX_NAMESPACE) return undefined;
  // The pod is what the client sent, checked only as far as injection needs: any field may hold any JSON.
  const owners: unknown = pod?.metadata?.['ownerReferences'];
  const owner = Array.isArray(owners) ? (owners as unknown[]).find((reference): reference is OwnerReference => isRecord(reference) && reference['controller'] === true) : undefined;
  if (owner && isText(owner.kind) && isText(owner.name) && isText(owner.apiVersion)) {
    return { apiVersion: clip(owner.apiVersion), kind: clip(owner.kind), name: clip(owner.name, MAX_NAME), namespace, ...(isText(owner.uid) ? { uid: clip(owner.uid) } : {}) };
  }
  const name: unknown = pod?.metadata?.name;
  // A longer name fails validation right after admission; the Event keeps what fits.
  return isText(name) ? { apiVersion: 'v1', kind: 'Pod', name: clip(name, MAX_NAME), namespace } : undefined;
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
