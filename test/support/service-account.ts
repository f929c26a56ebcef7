import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCluster } from '../control-plane/test-cluster.ts';
import { writeKubeconfig } from '../control-plane/kubeconfig.ts';

/**
 * A kubeconfig that authenticates as a ServiceAccount (a bound token from the TokenRequest
 * API), so the service can be run with exactly the rights a pod of it would have.
 */
export async function serviceAccountKubeconfig(cluster: TestCluster, namespace: string, name: string): Promise<string> {
  await cluster.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch((error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
  });
  const request = await cluster.core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const caPem = Buffer.from(cluster.kubeConfig.getCurrentCluster()!.caData!, 'base64').toString();
  // In the control plane's own directory, which goes when it stops: a token is not left behind in /tmp.
  const file = join(mkdtempSync(join(cluster.info.logDir, 'sa-kubeconfig-')), 'kubeconfig');
  await writeKubeconfig(file, { server: cluster.info.server, caPem, token: request.status?.token ?? '' });
  return file;
}
