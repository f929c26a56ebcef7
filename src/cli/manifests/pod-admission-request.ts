import type { AdmissionRequest } from '../../injection/admission-review.ts';
import type { JsonObject, JsonValue } from '../../injection/kubernetes-types.ts';
import { isRecord, type PodLocation } from './pod-locations.ts';

/**
 * The review the apiserver would send for this location's pod. A Pod document goes as
 * written. A template goes as the pod its controller would create: the template's
 * metadata and spec, named the way a ReplicaSet names its pods (`generateName:
 * <workload>-`), so `{{ pod.name }}` renders as the webhook would render it.
 */
export function podAdmissionRequest(location: PodLocation, namespace: string, uid: string): AdmissionRequest {
  return {
    uid,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace,
    operation: 'CREATE',
    object: location.isTemplate ? podFromTemplate(location, namespace) : location.value,
    dryRun: false,
    ...(location.isTemplate ? {} : location.owner.name ? { name: location.owner.name } : {}),
  };
}

/** The namespace a pod is created in: the document's own, else `-n`, else `default`, as kubectl does. */
export function podNamespace(location: PodLocation, flag: string | undefined): string {
  return location.owner.namespace || flag || 'default';
}

function podFromTemplate(location: PodLocation, namespace: string): JsonValue | undefined {
  const template = location.value;
  // Left for the engine to refuse with its own words ("spec must be an object").
  if (!isRecord(template)) return template;
  const { name: _name, generateName: _generateName, ...metadata } = isRecord(template['metadata']) ? template['metadata'] : ({} as JsonObject);
  const owner = location.owner.name ? `${location.owner.name}-` : (location.owner.generateName ?? '');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...metadata, generateName: owner, namespace },
    spec: template['spec'],
  } as JsonObject;
}
