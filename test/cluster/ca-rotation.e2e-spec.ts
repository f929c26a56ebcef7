import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { testCluster } from '../control-plane/test-cluster.ts';
import { containerNames, nginxPod, startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../support/cluster-service.ts';

const cluster = testCluster();
const admission = cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
let service: ClusterService | undefined;

afterAll(async () => {
  await service?.close();
});

function certificatesIn(base64Bundle: string | undefined): number {
  return (
    Buffer.from(base64Bundle ?? '', 'base64')
      .toString()
      .match(/BEGIN CERTIFICATE/g) ?? []
  ).length;
}

describe('certificate and CA rotation seen by the real apiserver', () => {
  it('keeps injecting every pod while serving certificates renew and the CA rolls over', { timeout: 120_000 }, async () => {
    // Serving certificates renew every few seconds; the CA rolls over once in the window.
    service = await startClusterService(cluster, { TLS_CERT_VALIDITY: '10s', TLS_CA_VALIDITY: '14s', TLS_RENEW_BEFORE: '6s' });
    await waitUntilReady(service);
    const namespace = await cluster.createNamespace('rotation', { [service.selector.key]: service.selector.value });
    await waitUntilInjecting(cluster, namespace);

    const bundleSizes = new Set<number>();
    const failures: string[] = [];
    let created = 0;
    const renewals = () => service!.logs.filter((line) => line['msg'] === 'serving certificate updated');
    const caRolledOver = () => renewals().some((line) => (line['reasons'] as string[]).includes('the CA is due for renewal'));
    // The whole window (two CA lifetimes' worth of renewals), and on a slow day until enough pods and renewals were seen.
    const window = Date.now() + 24_000;
    const deadline = Date.now() + 70_000;
    const enough = () => Date.now() >= window && created > 50 && bundleSizes.has(2) && caRolledOver() && renewals().length >= 3;
    while (!enough() && Date.now() < deadline) {
      const configuration = await admission.readMutatingWebhookConfiguration({ name: service.webhookName });
      bundleSizes.add(certificatesIn(configuration.webhooks?.[0]?.clientConfig.caBundle));
      const pod = await cluster.core.createNamespacedPod({ namespace, body: nginxPod(`pod-${created}`) }).catch((error: unknown) => {
        failures.push(String((error as { body?: unknown }).body ?? error));
        return undefined;
      });
      if (pod && containerNames(pod).length !== 2) failures.push(`pod-${created} was not injected`);
      created += 1;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }

    expect(failures).toEqual([]);
    expect(created).toBeGreaterThan(50);
    // The old and the new CA were published together while the new one rolled out.
    expect(bundleSizes).toContain(2);
    expect(caRolledOver()).toBe(true);
    expect(renewals().length).toBeGreaterThanOrEqual(3);
  });
});
