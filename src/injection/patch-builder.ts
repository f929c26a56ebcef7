import { isDeepStrictEqual } from 'node:util';
import { clipText } from './clip-text.ts';
import { describePlacement } from './init-placement.ts';
import { escapePointerToken, type AddOperation, type JsonPatch } from './json-patch.ts';
import type { Container, EnvVar, JsonValue, Pod, VolumeMount } from './kubernetes-types.ts';
import type { MergedSidecars, Owned, OwnedInit } from './merge-sidecars.ts';

export type PatchResult =
  | { readonly ok: true; readonly patch: JsonPatch; readonly warnings: readonly string[] }
  /** `message` refuses the pod; `reason` says the same in short, for an optional sidecar left out. */
  | { readonly ok: false; readonly owner: string; readonly message: string; readonly reason: string };

/**
 * Builds the JSON Patch that adds the merged sidecars to the pod. Every operation is an
 * `add` whose parent exists when it runs (maps and lists the pod lacks are added whole),
 * so the patch applies cleanly to the object the apiserver sent, in order.
 * The pod wins over templates for env, mounts and annotations it already sets; what it
 * overrode, and sidecar containers it already had, are told to its author as warnings.
 */
export function buildInjectionPatch(pod: Pod, merged: MergedSidecars, extraAnnotations: Readonly<Record<string, string>>): PatchResult {
  const conflict = findPodConflict(pod, merged);
  if (conflict) return { ok: false, ...conflict };

  const patch: AddOperation[] = [];
  const warnings = new Warnings();
  const annotations = pod.metadata?.annotations ?? undefined;
  const newAnnotations: (readonly [string, string])[] = [...merged.annotations.map(({ value }) => value).filter(([key]) => annotations?.[key] === undefined), ...Object.entries(extraAnnotations)];
  if (pod.metadata === undefined || pod.metadata === null) {
    patch.push({ op: 'add', path: '/metadata', value: { annotations: Object.fromEntries(newAnnotations) } });
  } else {
    addToMap(patch, '/metadata/annotations', annotations, newAnnotations);
  }

  // A container identical to a template's (a hand-copied injected manifest) is a sidecar, not an app container.
  const sidecarNames = new Set(merged.containers.map(({ value }) => value.name));
  pod.spec.containers.forEach((container, index) => {
    if (sidecarNames.has(container.name)) return;
    const at = `/spec/containers/${index}`;
    const env: EnvVar[] = [];
    for (const { owner, value } of merged.env) {
      const own = findNamed(container.env, value.name);
      if (!own) env.push(value);
      // Comparing the values first spares most deep comparisons: a pod that sets a template's variable usually sets another value.
      else if (own.value !== value.value || !isDeepStrictEqual(own, value))
        warnings.group(`env\0${owner}\0${value.name}`, container.name, (names, many) => `${names} ${many ? 'set' : 'sets'} ${value.name} already; sidecar "${owner}" did not add its own`);
    }
    addToList(patch, `${at}/env`, container.env, env);
    const mounts: VolumeMount[] = [];
    for (const { owner, value } of merged.volumeMounts) {
      const own = container.volumeMounts?.find((mount) => mount.mountPath === value.mountPath);
      if (!own) mounts.push(value);
      else if (own.name !== value.name || !isDeepStrictEqual(own, value))
        warnings.group(`mount\0${owner}\0${value.mountPath}`, container.name, (names, many) => `${names} already ${many ? 'mount' : 'mounts'} ${value.mountPath}; sidecar "${owner}" did not mount its volume there`);
    }
    addToList(patch, `${at}/volumeMounts`, container.volumeMounts, mounts);
  });

  addInitContainers(patch, pod, notInPod(merged.initContainers, pod.spec.initContainers, warnings), warnings);
  addToList(patch, '/spec/containers', pod.spec.containers, notInPod(merged.containers, pod.spec.containers, warnings).map(owned));
  addToList(
    patch,
    '/spec/volumes',
    pod.spec.volumes,
    merged.volumes.map(owned).filter((volume) => !pod.spec.volumes?.some((own) => own.name === volume.name)),
  );
  return { ok: true, patch, warnings: warnings.list() };
}

/**
 * Native sidecars go first (they must be running before the pod's own init containers);
 * a template's own init containers go where its `initPlacement` says, in file order among
 * sidecars placed alike. Each is added at its final index, in ascending order, so every
 * operation's index exists when it runs.
 */
function addInitContainers(patch: AddOperation[], pod: Pod, added: readonly OwnedInit[], warnings: Warnings): void {
  if (added.length === 0) return;
  const own = Array.isArray(pod.spec.initContainers) ? pod.spec.initContainers : [];
  const first: Container[] = [];
  const last: Container[] = [];
  // Made only for templates placed next to a pod container: most place theirs first.
  let before: Map<number, Container[]> | undefined;
  let after: Map<number, Container[]> | undefined;
  for (const { owner, value, native, placement } of added) {
    if (native || placement.kind === 'first') first.push(value);
    else if (placement.kind === 'last') last.push(value);
    else {
      const at = own.findIndex((container) => container.name === placement.container);
      if (at === -1) {
        warnings.once(`placement\0${owner}`, `sidecar "${owner}": no init container "${placement.container}" in the pod for ${describePlacement(placement)}; placed first`);
        first.push(value);
      } else {
        const slots = placement.kind === 'before' ? (before ??= new Map()) : (after ??= new Map());
        slots.set(at, [...(slots.get(at) ?? []), value]);
      }
    }
  }
  if (!Array.isArray(pod.spec.initContainers)) {
    patch.push({ op: 'add', path: '/spec/initContainers', value: [...first, ...last] });
    return;
  }
  let index = 0;
  const insert = (containers: readonly Container[] | undefined) => {
    for (const value of containers ?? []) patch.push({ op: 'add', path: `/spec/initContainers/${index++}`, value });
  };
  insert(first);
  if (before || after) {
    own.forEach((_container, at) => {
      insert(before?.get(at));
      index++;
      insert(after?.get(at));
    });
  } else {
    index += own.length;
  }
  insert(last);
}

/** Names are unique across a pod's containers, init and ephemeral containers, and volumes. */
function findPodConflict(pod: Pod, merged: MergedSidecars): { owner: string; message: string; reason: string } | undefined {
  // Listed once per pod, not once per template container (Object.entries per item cost more than the checks).
  const lists = [
    ['containers', pod.spec.containers],
    ['initContainers', pod.spec.initContainers],
    ['ephemeralContainers', pod.spec.ephemeralContainers],
  ] as const;
  const check = (items: readonly Owned<Container>[], slot: 'containers' | 'initContainers') => {
    for (const { owner, value } of items) {
      for (const [listName, list] of lists) {
        const existing = findNamed(list, value.name);
        if (existing && !(listName === slot && isDeepStrictEqual(existing, value))) {
          const reason = `the pod already has a container named ${quote(value.name)} (in spec.${listName})`;
          return { owner, reason, message: `${reason}; sidecar "${owner}" would add another` };
        }
      }
    }
    return undefined;
  };
  const containerConflict = check(merged.containers, 'containers') ?? check(merged.initContainers, 'initContainers');
  if (containerConflict) return containerConflict;
  for (const { owner, value } of merged.volumes) {
    const existing = findNamed(pod.spec.volumes, value.name);
    if (existing && !isDeepStrictEqual(existing, value)) {
      const reason = `the pod already has a volume named ${quote(value.name)}`;
      return { owner, reason, message: `${reason}; sidecar "${owner}" would add a different one` };
    }
  }
  return undefined;
}

/**
 * Containers identical to what the pod already holds (a hand-copied injected manifest) are
 * not added twice; the author is told, since they may have meant something else.
 */
function notInPod<T extends Owned<Container>>(items: readonly T[], existing: readonly Container[] | null | undefined, warnings: Warnings): T[] {
  return items.filter(({ owner, value }) => {
    if (!existing?.some((own) => own.name === value.name)) return true;
    warnings.group(`present\0${owner}`, value.name, (names) => `sidecar "${owner}" is already in the pod (${names}); not added again`);
    return false;
  });
}

/** A plain loop: `find` with a fresh closure for each of the many lookups per review cost more than the lookups. */
function findNamed<T extends { readonly name: string }>(list: readonly T[] | null | undefined, name: string): T | undefined {
  if (list) for (const item of list) if (item.name === name) return item;
  return undefined;
}

function owned<T>(item: Owned<T>): T {
  return item.value;
}

/** Warnings in the order found, several containers folded into one line per cause. */
class Warnings {
  /** Made on the first warning: most pods have none. */
  private entries: Map<string, { names: string[]; describe: (names: string, many: boolean) => string }> | undefined;

  group(key: string, containerName: string, describe: (names: string, many: boolean) => string): void {
    const entry = (this.entries ??= new Map()).get(key);
    if (entry) entry.names.push(containerName);
    else this.entries.set(key, { names: [containerName], describe });
  }

  once(key: string, text: string): void {
    if (!(this.entries ??= new Map()).has(key)) this.entries.set(key, { names: [], describe: () => text });
  }

  list(): readonly string[] {
    if (!this.entries) return NO_WARNINGS;
    return [...this.entries.values()].map(({ names, describe }) => describe(containerList(names), names.length > 1));
  }
}

const NO_WARNINGS: readonly string[] = Object.freeze([]);

function containerList(names: readonly string[]): string {
  const shown = names.slice(0, 3).map(quote).join(', ');
  const more = names.length > 3 ? ` and ${names.length - 3} more` : '';
  return `container${names.length > 1 ? 's' : ''} ${shown}${more}`;
}

/** Names come from the pod, which the apiserver has not validated yet. */
function quote(name: string): string {
  return JSON.stringify(clipText(name, 40));
}

// `path` is a JSON pointer written out (its fixed tokens need no escaping): building it
// token by token, escaping each, for every operation was a fifth of the patch building.
function addToList(patch: AddOperation[], path: string, existing: readonly JsonValue[] | null | undefined, items: readonly JsonValue[]): void {
  if (items.length === 0) return;
  if (Array.isArray(existing)) {
    const append = `${path}/-`;
    for (const value of items) patch.push({ op: 'add', path: append, value });
  } else {
    patch.push({ op: 'add', path, value: items });
  }
}

/** Only the keys come from the pod or a template: they alone are escaped. */
function addToMap(patch: AddOperation[], path: string, existing: Readonly<Record<string, string>> | undefined, entries: readonly (readonly [string, string])[]): void {
  if (entries.length === 0) return;
  if (existing) {
    for (const [key, value] of entries) patch.push({ op: 'add', path: `${path}/${escapePointerToken(key)}`, value });
  } else {
    patch.push({ op: 'add', path, value: Object.fromEntries(entries) });
  }
}
