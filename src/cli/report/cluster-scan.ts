import type { InjectionPolicy } from '../../injection/injector.ts';
import type { SidecarConfig } from '../../injection/sidecar-config.ts';
import { clusterError, KubeApiError, type KubeConnection } from '../kube/kube-connection.ts';
import type { Labels } from './label-selector-match.ts';
import { OwnerResolver } from './owner-resolver.ts';
import { listPages } from './paged-list.ts';
import { examinePod, isLive, type StoredPod } from './pod-findings.ts';
import type { Progress } from './progress.ts';
import type { StalePod } from './stale-report.ts';
import type { WebhookScope } from './webhook-scope.ts';

export interface ScanOptions {
  /** One namespace, or undefined for every namespace the webhook selects. */
  readonly namespace: string | undefined;
  readonly chunkSize: number;
}

export interface ScanResult {
  readonly namespaces: number;
  readonly pods: number;
  readonly stale: readonly StalePod[];
  readonly warnings: readonly string[];
}

interface StoredNamespace {
  readonly metadata: { readonly name: string; readonly labels?: Labels | null };
}

/**
 * Pages through the pods the webhook selects and keeps only the stale ones (with their
 * owner), so memory follows the number of stale pods, not the size of the cluster.
 */
export async function scanCluster(connection: KubeConnection, scope: WebhookScope, config: SidecarConfig, policy: InjectionPolicy, options: ScanOptions, progress: Progress): Promise<ScanResult> {
  const namespaces = options.namespace === undefined ? await selectedNamespaces(connection, scope, options.chunkSize) : await oneNamespace(connection, scope, options.namespace);
  const owners = new OwnerResolver(connection);
  const stale: StalePod[] = [];
  const warnings: string[] = [];
  let pods = 0;
  if (options.namespace !== undefined && namespaces.size === 0) {
    warnings.push(`namespace ${options.namespace} is not selected by the webhook: none of its pods are sent to the injector`);
  }
  const path = options.namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods`;
  if (namespaces.size > 0) {
    try {
      for await (const page of listPages<StoredPod>(connection, path, options.chunkSize)) {
        for (const pod of page) {
          const labels = namespaces.get(pod.metadata.namespace);
          if (labels === undefined || !isLive(pod) || !scope.selectsPod(labels, pod.metadata.labels ?? undefined)) continue;
          pods += 1;
          const { findings, replacement } = examinePod(pod, config, policy);
          if (findings.length === 0) continue;
          stale.push({ namespace: pod.metadata.namespace, name: pod.metadata.name, owner: await owners.resolve(pod), findings, ...(replacement ? { replacement } : {}) });
        }
        progress.update(`checked ${pods} pods, ${stale.length} stale`);
      }
    } catch (error) {
      throw clusterError('cannot list pods', error);
    } finally {
      progress.done();
    }
  }
  return { namespaces: namespaces.size, pods, stale, warnings: [...warnings, ...owners.warnings] };
}

async function selectedNamespaces(connection: KubeConnection, scope: WebhookScope, chunkSize: number): Promise<Map<string, Labels>> {
  const selected = new Map<string, Labels>();
  try {
    for await (const page of listPages<StoredNamespace>(connection, '/api/v1/namespaces', chunkSize)) {
      for (const namespace of page) {
        const labels = namespace.metadata.labels ?? {};
        if (scope.selectsNamespace(labels)) selected.set(namespace.metadata.name, labels);
      }
    }
  } catch (error) {
    throw clusterError('cannot list namespaces', error);
  }
  return selected;
}

async function oneNamespace(connection: KubeConnection, scope: WebhookScope, name: string): Promise<Map<string, Labels>> {
  try {
    const { body } = await connection.get<StoredNamespace>(`/api/v1/namespaces/${encodeURIComponent(name)}`);
    const labels = body.metadata.labels ?? {};
    return scope.selectsNamespace(labels) ? new Map([[name, labels]]) : new Map();
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) throw clusterError(`namespace ${name}`, new Error('not found'));
    throw clusterError(`cannot read namespace ${name}`, error);
  }
}
