import { jsonEqual } from './deep-equal.ts';
import { pointer, type AddOperation, type JsonPatch } from './json-patch.ts';
import type { Container, JsonValue, Pod } from './kubernetes-types.ts';
import type { MergedSidecars, Owned } from './merge-sidecars.ts';

export type PatchResult = { readonly ok: true; readonly patch: JsonPatch } | { readonly ok: false; readonly message: string };

/**
 * Builds the JSON Patch that adds the merged sidecars to the pod. Every operation is an
 * `add` whose parent exists when it runs (maps and lists the pod lacks are added whole),
 * so the patch applies cleanly to the object the apiserver sent, in order.
 * The pod wins over templates for env, mounts and annotations it already sets.
 */
export function buildInjectionPatch(pod: Pod, merged: MergedSidecars, extraAnnotations: Readonly<Record<string, string>>): PatchResult {
  const conflict = findPodConflict(pod, merged);
  if (conflict) return { ok: false, message: conflict };

  const patch: AddOperation[] = [];
  const annotations = pod.metadata?.annotations ?? undefined;
  const newAnnotations: (readonly [string, string])[] = [
    ...merged.annotations.map(({ value }) => value).filter(([key]) => annotations?.[key] === undefined),
    ...Object.entries(extraAnnotations),
  ];
  if (pod.metadata === undefined || pod.metadata === null) {
    patch.push({ op: 'add', path: '/metadata', value: { annotations: Object.fromEntries(newAnnotations) } });
  } else {
    addToMap(patch, ['metadata', 'annotations'], annotations, newAnnotations);
  }

  // A container identical to a template's (a hand-copied injected manifest) is a sidecar, not an app container.
  const sidecarNames = new Set(merged.containers.map(({ value }) => value.name));
  pod.spec.containers.forEach((container, index) => {
    if (sidecarNames.has(container.name)) return;
    const env = merged.env.map(owned).filter((variable) => !container.env?.some((own) => own.name === variable.name));
    addToList(patch, ['spec', 'containers', index, 'env'], container.env, env);
    const mounts = merged.volumeMounts.map(owned).filter((mount) => !container.volumeMounts?.some((own) => own.mountPath === mount.mountPath));
    addToList(patch, ['spec', 'containers', index, 'volumeMounts'], container.volumeMounts, mounts);
  });

  const initContainers = notInPod(merged.initContainers, pod.spec.initContainers);
  if (Array.isArray(pod.spec.initContainers)) {
    initContainers.forEach((container, index) => patch.push({ op: 'add', path: pointer('spec', 'initContainers', index), value: container }));
  } else if (initContainers.length > 0) {
    patch.push({ op: 'add', path: '/spec/initContainers', value: initContainers });
  }
  addToList(patch, ['spec', 'containers'], pod.spec.containers, notInPod(merged.containers, pod.spec.containers));
  addToList(patch, ['spec', 'volumes'], pod.spec.volumes, notInPod(merged.volumes, pod.spec.volumes));
  return { ok: true, patch };
}

/** Names are unique across a pod's containers, init and ephemeral containers, and volumes. */
function findPodConflict(pod: Pod, merged: MergedSidecars): string | undefined {
  const lists = { containers: pod.spec.containers, initContainers: pod.spec.initContainers ?? [], ephemeralContainers: pod.spec.ephemeralContainers ?? [] };
  const check = (items: readonly Owned<Container>[], slot: keyof typeof lists): string | undefined => {
    for (const { owner, value } of items) {
      for (const [listName, list] of Object.entries(lists)) {
        const existing = list.find((c) => c.name === value.name);
        if (existing && !(listName === slot && jsonEqual(existing, value))) {
          return `the pod already has a container named "${value.name}" (in spec.${listName}); sidecar "${owner}" would add another`;
        }
      }
    }
    return undefined;
  };
  const containerConflict = check(merged.containers, 'containers') ?? check(merged.initContainers, 'initContainers');
  if (containerConflict) return containerConflict;
  for (const { owner, value } of merged.volumes) {
    const existing = pod.spec.volumes?.find((v) => v.name === value.name);
    if (existing && !jsonEqual(existing, value)) return `the pod already has a volume named "${value.name}"; sidecar "${owner}" would add a different one`;
  }
  return undefined;
}

/** Items identical to what the pod already holds are not added twice (a hand-copied injected manifest). */
function notInPod<T extends { readonly name: string } & JsonValue>(items: readonly Owned<T>[], existing: readonly T[] | null | undefined): T[] {
  return items.map(owned).filter((item) => !existing?.some((own) => own.name === item.name));
}

function owned<T>(item: Owned<T>): T {
  return item.value;
}

function addToList(patch: AddOperation[], path: readonly (string | number)[], existing: readonly JsonValue[] | null | undefined, items: readonly JsonValue[]): void {
  if (items.length === 0) return;
  if (Array.isArray(existing)) {
    const append = pointer(...path, '-');
    for (const value of items) patch.push({ op: 'add', path: append, value });
  } else {
    patch.push({ op: 'add', path: pointer(...path), value: items });
  }
}

function addToMap(patch: AddOperation[], path: readonly string[], existing: Readonly<Record<string, string>> | undefined, entries: readonly (readonly [string, string])[]): void {
  if (entries.length === 0) return;
  if (existing) {
    for (const [key, value] of entries) patch.push({ op: 'add', path: pointer(...path, key), value });
  } else {
    patch.push({ op: 'add', path: pointer(...path), value: Object.fromEntries(entries) });
  }
}
