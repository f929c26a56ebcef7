import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../control-plane/test-cluster.ts';
import { startClusterService, waitUntilReady, type ClusterService } from '../support/cluster-service.ts';

/**
 * The seed's own walkthrough, as a person does it with kubectl: label a namespace, create
 * the nginx Pod, read back what the apiserver stored. The service runs with its defaults
 * (the example templates in config/sidecars.yaml, the standard namespace label).
 */
const cluster = testCluster();
const NGINX = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
    - name: nginx
      image: nginx
      ports:
        - containerPort: 80
`;

interface StoredPod {
  metadata: { annotations?: Record<string, string> };
  spec: { containers: { name: string; image: string; env?: { name: string; value?: string }[] }[]; volumes?: { name: string }[] };
}

let service: ClusterService;

beforeAll(async () => {
  service = await startClusterService(cluster, { NAMESPACE_SELECTOR: 'sidecar-injector=enabled' });
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.close();
});

async function createNginx(namespace: string, dryRun = false): Promise<StoredPod> {
  const args = ['create', '-n', namespace, '-f', '-', '-o', 'json', ...(dryRun ? ['--dry-run=server'] : [])];
  return JSON.parse(await cluster.kubectl(args, { input: NGINX })) as StoredPod;
}

async function storedNginx(namespace: string): Promise<StoredPod> {
  return JSON.parse(await cluster.kubectl(['get', 'pod', 'nginx', '-n', namespace, '-o', 'json'])) as StoredPod;
}

describe('the seed walkthrough, with kubectl', () => {
  it('injects the sidecar into the nginx Pod of a labelled namespace', async () => {
    await cluster.kubectl(['create', 'namespace', 'sidecar-test']);
    // On a real cluster the controller-manager makes this ServiceAccount; nothing runs it here.
    await cluster.kubectl(['create', 'serviceaccount', 'default', '-n', 'sidecar-test']);
    await cluster.kubectl(['label', 'namespace', 'sidecar-test', 'sidecar-injector=enabled']);
    // The apiserver picks up a new webhook configuration a moment after it is stored.
    await expect.poll(async () => (await createNginx('sidecar-test', true)).spec.containers.length, { timeout: 15_000 }).toBe(2);

    await createNginx('sidecar-test');
    const pod = await storedNginx('sidecar-test');
    expect(pod.spec.containers.map((container) => container.name)).toEqual(['nginx', 'log-agent']);
    expect(pod.spec.containers[1]!.image).toBe('busybox:1.37');
    expect(pod.spec.containers[0]!.env).toContainEqual({ name: 'LOG_DIR', value: '/var/log/app' });
    expect(pod.spec.volumes?.map((volume) => volume.name)).toContain('app-logs');
    expect(JSON.parse(pod.metadata.annotations?.['sidecar-injector.io/status'] ?? '{}')).toHaveProperty('sidecars.log-agent');
  });

  it('leaves a Pod in an unlabelled namespace untouched', async () => {
    const namespace = await cluster.createNamespace('unlabelled');
    await createNginx(namespace);
    const pod = await storedNginx(namespace);
    expect(pod.spec.containers.map((container) => container.name)).toEqual(['nginx']);
    expect(pod.metadata.annotations?.['sidecar-injector.io/status']).toBeUndefined();
  });
});
