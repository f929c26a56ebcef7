import type { JsonValue, Pod } from './kubernetes-types.ts';

/**
 * Checks the parts of a pod that injection reads and patches. Mutating admission runs
 * before the apiserver validates the object, so this is the injector's only guarantee
 * that its patch paths exist and mean what it thinks. Returns the first problem found.
 */
export function findPodShapeProblem(object: JsonValue | undefined): string | undefined {
  if (!isRecord(object)) return 'request.object must be a Pod object';
  const metadata = object['metadata'];
  if (metadata !== undefined && metadata !== null) {
    if (!isRecord(metadata)) return 'metadata must be an object';
    // Rendered into templates ({{ pod.name }}): anything but a string would print as garbage, or throw.
    for (const field of ['name', 'generateName'] as const) {
      if (!isOptionalString(metadata[field])) return `metadata.${field} must be a string`;
    }
    for (const field of ['labels', 'annotations'] as const) {
      const map = metadata[field];
      if (map === undefined || map === null) continue;
      if (!isRecord(map)) return `metadata.${field} must be an object`;
      // for...in, not Object.entries: no pair is allocated per label (JSON has no inherited keys).
      for (const key in map) {
        if (typeof map[key] !== 'string') return `metadata.${field}["${key}"] must be a string`;
      }
    }
  }
  const spec = object['spec'];
  if (!isRecord(spec)) return 'spec must be an object';
  if (!isOptionalString(spec['serviceAccountName'])) return 'spec.serviceAccountName must be a string';
  const containers = spec['containers'];
  if (!Array.isArray(containers) || containers.length === 0) return 'spec.containers must be a non-empty list';
  for (const field of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const problem = findContainersProblem(spec[field], `spec.${field}`);
    if (problem) return problem;
  }
  return findNamedListProblem(spec['volumes'], 'spec.volumes');
}

/** Narrowing for callers that checked `findPodShapeProblem(object) === undefined`. */
export function asPod(object: JsonValue | undefined): Pod {
  return object as unknown as Pod;
}

function findContainersProblem(list: JsonValue | undefined, path: string): string | undefined {
  const problem = findNamedListProblem(list, path);
  if (problem || !Array.isArray(list)) return problem;
  for (let index = 0; index < list.length; index++) {
    const problem = findContainerProblem(list[index] as Readonly<Record<string, JsonValue>>);
    // The container's path is spelled out only once a problem is found: most pods have none.
    if (problem) return `${path}[${index}].${problem}`;
  }
  return undefined;
}

/** The problem's path is relative to the container: `env[0] must be ...`. */
function findContainerProblem(container: Readonly<Record<string, JsonValue>>): string | undefined {
  const env = findNamedListProblem(container['env'], 'env');
  if (env) return env;
  const mounts = container['volumeMounts'];
  if (mounts === undefined || mounts === null) return undefined;
  if (!Array.isArray(mounts)) return 'volumeMounts must be a list';
  const bad = mounts.findIndex((mount: JsonValue) => !isRecord(mount) || typeof mount['mountPath'] !== 'string');
  return bad === -1 ? undefined : `volumeMounts[${bad}] must be an object with a string mountPath`;
}

function findNamedListProblem(list: JsonValue | undefined, path: string): string | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return `${path} must be a list`;
  const bad = list.findIndex((item: JsonValue) => !isRecord(item) || typeof item['name'] !== 'string');
  return bad === -1 ? undefined : `${path}[${bad}] must be an object with a string name`;
}

function isOptionalString(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function isRecord(value: JsonValue | undefined): value is Readonly<Record<string, JsonValue>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
