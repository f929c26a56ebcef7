import type { V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from './test-cluster.ts';
import type { TestCluster } from './test-cluster.ts';

const nginx = (name: string): V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
});

describe(testCluster.name, () => {
  let cluster: TestCluster;
  let namespace: string;

  beforeAll(async () => {
    cluster = testCluster();
    namespace = await cluster.createNamespace('control-plane');
  });

  it('serves a real kube-apiserver', async () => {
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
  });

  it('gives each fresh namespace its default ServiceAccount', async () => {
    const account = await cluster.core.readNamespacedServiceAccount({ name: 'default', namespace });
    expect(account.metadata?.namespace).toBe(namespace);
  });

  it('stores a Pod with the projected token volume the ServiceAccount admission plugin adds', async () => {
    await cluster.core.createNamespacedPod({ namespace, body: nginx('web') });

    const stored = await cluster.core.readNamespacedPod({ name: 'web', namespace });

    expect(stored.spec?.serviceAccountName).toBe('default');
    const volumes = stored.spec?.volumes ?? [];
    expect(volumes.map((volume) => volume.name)).toContainEqual(expect.stringMatching(/^kube-api-access-/));
    expect(volumes.find((volume) => volume.projected)?.projected?.sources).toContainEqual(expect.objectContaining({ serviceAccountToken: expect.objectContaining({ path: 'token' }) }));
  });

  it('answers kubectl with the same kubeconfig', async () => {
    await cluster.core.createNamespacedPod({ namespace, body: nginx('for-kubectl') });

    const pod = JSON.parse(await cluster.kubectl(['get', 'pod', 'for-kubectl', '-n', namespace, '-o', 'json'])) as V1Pod;

    expect(pod.metadata?.namespace).toBe(namespace);
    expect(pod.spec?.containers.map((container) => container.name)).toEqual(['nginx']);
  });

  it('rejects a failed kubectl command with its stderr', async () => {
    await expect(cluster.kubectl(['get', 'pod', 'missing', '-n', namespace])).rejects.toThrow(/not found/);
  });
});
