import type { JsonValue } from '../../injection/kubernetes-types.ts';

export type PathToken = string | number;

/** A Pod, or a pod template inside a workload, somewhere in one manifest document. */
export interface PodLocation {
  /** From the document's root: [] for a Pod document, ['spec', 'template'] for a Deployment. */
  readonly path: readonly PathToken[];
  /** The Pod itself, or the object whose pods the template makes. */
  readonly owner: ObjectIdentity;
  /** The JSON value at `path` (a Pod, or a PodTemplateSpec). */
  readonly value: JsonValue | undefined;
  readonly isTemplate: boolean;
}

export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string | undefined;
  readonly generateName: string | undefined;
  readonly namespace: string | undefined;
}

interface TemplateKind {
  /** API groups whose objects of this kind carry a core/v1 pod template ('' is core). */
  readonly groups: readonly string[];
  readonly path: readonly string[];
}

/**
 * Every built-in kind with a pod template, and where it keeps it. Matched by group as well
 * as kind, so a custom resource that happens to be called Deployment passes through.
 */
const TEMPLATE_KINDS: Readonly<Record<string, TemplateKind>> = {
  Deployment: { groups: ['apps', 'extensions'], path: ['spec', 'template'] },
  StatefulSet: { groups: ['apps'], path: ['spec', 'template'] },
  DaemonSet: { groups: ['apps', 'extensions'], path: ['spec', 'template'] },
  ReplicaSet: { groups: ['apps', 'extensions'], path: ['spec', 'template'] },
  ReplicationController: { groups: [''], path: ['spec', 'template'] },
  PodTemplate: { groups: [''], path: ['template'] },
  Job: { groups: ['batch'], path: ['spec', 'template'] },
  CronJob: { groups: ['batch'], path: ['spec', 'jobTemplate', 'spec', 'template'] },
};

/** Finds the Pods and pod templates of one document, descending into `kind: List` (and `*List`) items. */
export function findPodLocations(document: JsonValue | undefined): PodLocation[] {
  const found: PodLocation[] = [];
  collect(document, [], found, 0);
  return found;
}

/** A List inside a List is legal but unheard of; the bound keeps a hostile file from recursing deeply. */
const MAX_LIST_DEPTH = 4;

function collect(object: JsonValue | undefined, at: readonly PathToken[], found: PodLocation[], depth: number): void {
  if (!isRecord(object)) return;
  const identity = identify(object);
  if (!identity) return;
  const group = identity.apiVersion.includes('/') ? identity.apiVersion.slice(0, identity.apiVersion.indexOf('/')) : '';
  if (identity.kind === 'Pod' && group === '') {
    found.push({ path: at, owner: identity, value: object, isTemplate: false });
    return;
  }
  const template = TEMPLATE_KINDS[identity.kind];
  if (template && template.groups.includes(group)) {
    found.push({ path: [...at, ...template.path], owner: identity, value: valueAt(object, template.path), isTemplate: true });
    return;
  }
  const items = object['items'];
  if (identity.kind.endsWith('List') && Array.isArray(items) && depth < MAX_LIST_DEPTH) {
    items.forEach((item: JsonValue, index: number) => collect(item, [...at, 'items', index], found, depth + 1));
  }
}

function identify(object: Readonly<Record<string, JsonValue>>): ObjectIdentity | undefined {
  const { apiVersion, kind, metadata } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const meta = isRecord(metadata) ? metadata : {};
  return { apiVersion, kind, name: stringOrUndefined(meta['name']), generateName: stringOrUndefined(meta['generateName']), namespace: stringOrUndefined(meta['namespace']) };
}

function valueAt(object: JsonValue, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

/** `spec.template`, `items[2].spec.template`: how messages name a location. */
export function formatPath(path: readonly PathToken[]): string {
  return path.map((token, index) => (typeof token === 'number' ? `[${token}]` : index === 0 ? token : `.${token}`)).join('');
}

export function isRecord(value: unknown): value is Readonly<Record<string, JsonValue>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringOrUndefined(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
