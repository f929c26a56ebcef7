import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NamespaceRequest {
  /** Exact name; give this or `generateName`. */
  readonly name?: string;
  /** Prefix for a server-generated unique name, e.g. `sidecar-test-`. */
  readonly generateName?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Creates a namespace with the `default` ServiceAccount that kube-controller-manager would make
 * on a real cluster; without it the ServiceAccount admission plugin refuses every Pod.
 * Resolves to the namespace's name once that ServiceAccount can be read back.
 */
export async function createNamespace(kubeConfig: KubeConfig, request: NamespaceRequest): Promise<string> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const created = await core.createNamespace({
    body: { metadata: { name: request.name, generateName: request.generateName, labels: { ...request.labels } } },
  });
  const namespace = created.metadata?.name;
  if (!namespace) throw new Error('the apiserver returned a namespace without a name');
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace });
      return namespace;
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404) || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
