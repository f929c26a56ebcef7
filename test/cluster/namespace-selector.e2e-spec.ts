import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { testCluster } from '../control-plane/test-cluster.ts';
import { containerNames, nginxPod, startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../support/cluster-service.ts';

const cluster = testCluster();
let service: ClusterService | undefined;

afterAll(async () => {
  await service?.close();
});

async function containersOfPodIn(namespace: string): Promise<string[]> {
  return containerNames(await cluster.core.createNamespacedPod({ namespace, body: nginxPod(`pod-${randomBytes(3).toString('hex')}`), dryRun: 'All' }));
}

describe('NAMESPACE_SELECTOR on the real apiserver', () => {
  it('selects namespaces with set-based terms as kubectl reads them', async () => {
    // Keys of this test's own, so no other test's namespace matches.
    const id = randomBytes(3).toString('hex');
    const env = `test.sidecar-injector.io/env-${id}`;
    const tier = `test.sidecar-injector.io/tier-${id}`;
    const legacy = `test.sidecar-injector.io/legacy-${id}`;
    service = await startClusterService(cluster, { NAMESPACE_SELECTOR: `${env} in (prod,staging), ${tier} notin (frozen), !${legacy}` });
    await waitUntilReady(service);
    const namespace = (labels: Record<string, string>) => cluster.createNamespace('selector', labels);
    const [prod, staging, dev, frozen, old, unlabelled] = await Promise.all([
      namespace({ [env]: 'prod' }),
      namespace({ [env]: 'staging', [tier]: 'web' }),
      namespace({ [env]: 'dev' }),
      namespace({ [env]: 'prod', [tier]: 'frozen' }),
      namespace({ [env]: 'staging', [legacy]: 'yes' }),
      namespace({}),
    ]);
    await waitUntilInjecting(cluster, prod);
    expect(await containersOfPodIn(staging)).toEqual(['nginx', 'log-agent']);
    for (const unselected of [dev, frozen, old, unlabelled]) expect(await containersOfPodIn(unselected)).toEqual(['nginx']);
  });
});
