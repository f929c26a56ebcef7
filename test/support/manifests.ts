import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import type { TestCluster } from '../control-plane/test-cluster.ts';

/** The kustomize base that `kubectl apply -k k8s/` deploys. */
export const K8S_DIR = fileURLToPath(new URL('../../k8s/', import.meta.url));

export type Manifest = KubernetesObject & { readonly kind: string; readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> } };

/** What `kubectl kustomize` makes of a kustomization: the objects `apply -k` would send. */
export async function renderKustomization(cluster: TestCluster, dir = K8S_DIR): Promise<Manifest[]> {
  const text = await cluster.kubectl(['kustomize', dir]);
  return parseAllDocuments(text).map((document) => document.toJS() as Manifest);
}

/** The one rendered object of a kind (and name), typed as the caller expects it. */
export function find<T = Manifest>(manifests: readonly Manifest[], kind: string, name?: string): T {
  const matches = manifests.filter((manifest) => manifest.kind === kind && (name === undefined || manifest.metadata.name === name));
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''} in the rendered manifests, found ${matches.length}`);
  return matches[0] as T;
}

export function toYaml(manifests: readonly Manifest[]): string {
  return manifests.map((manifest) => stringify(manifest)).join('---\n');
}
