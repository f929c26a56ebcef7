import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';

export interface DeploymentChain {
  readonly deployment: string;
  readonly replicaSet: string;
  readonly pods: readonly string[];
}

/**
 * A Deployment, its ReplicaSet and the ReplicaSet's pods, linked by ownerReferences as
 * kube-controller-manager would link them (the test control plane has none, so nothing
 * creates or deletes pods on its own). Pods are created with server-side apply, a few
 * at a time, and go through admission like any other pod.
 */
export async function createDeploymentChain(kubeConfig: KubeConfig, namespace: string, name: string, podCount: number, template: { readonly annotations?: Record<string, string> } = {}): Promise<DeploymentChain> {
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const labels = { app: name };
  const podTemplate = { metadata: { labels, ...(template.annotations ? { annotations: template.annotations } : {}) }, spec: { containers: [{ name, image: `registry.example.com/${name}:1` }] } };
  const deployment = await objects.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { selector: { matchLabels: labels }, template: podTemplate } } as KubernetesObject);
  const replicaSetName = `${name}-7c9f8d6b5`;
  const replicaSet = await objects.create({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: replicaSetName, namespace, labels, ownerReferences: [controllerReference('apps/v1', 'Deployment', deployment)] },
    spec: { replicas: podCount, selector: { matchLabels: labels }, template: podTemplate },
  } as KubernetesObject);
  const pods = Array.from({ length: podCount }, (_, index) => `${replicaSetName}-${index.toString(36).padStart(5, '0')}`);
  await forEachLimited(pods, 16, async (podName) => {
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...podTemplate.metadata, name: podName, namespace, ownerReferences: [controllerReference('apps/v1', 'ReplicaSet', replicaSet)] },
      spec: podTemplate.spec,
    };
    await objects.patch(pod, undefined, undefined, 'cli-test', true, PatchStrategy.ServerSideApply);
  });
  return { deployment: name, replicaSet: replicaSetName, pods };
}

export function controllerReference(apiVersion: string, kind: string, owner: KubernetesObject) {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
