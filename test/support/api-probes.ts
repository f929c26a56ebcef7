import { AdmissionregistrationV1Api, ApiException, CoreV1Api, EventsV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject, type V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { messageOf } from '../../src/kubernetes/api-errors.ts';
import type { TestCluster } from '../control-plane/test-cluster.ts';
import { serviceAccountKubeconfig } from './service-account.ts';

/** API clients acting as a ServiceAccount, with a bound token as a pod of it would have. */
export interface IdentityClients {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly events: EventsV1Api;
  readonly objects: KubernetesObjectApi;
}

export async function clientsAs(cluster: TestCluster, namespace: string, serviceAccount: string): Promise<IdentityClients> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(await serviceAccountKubeconfig(cluster, namespace, serviceAccount));
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    admission: kubeConfig.makeApiClient(AdmissionregistrationV1Api),
    events: kubeConfig.makeApiClient(EventsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
  };
}

/** How an API call ends: status 200 for any success, else the apiserver's code and message. */
export async function attempt(call: () => Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await call();
    return { status: 200, message: '' };
  } catch (error) {
    if (error instanceof ApiException) return { status: error.code, message: messageOf(error) };
    throw error;
  }
}

export async function statusOf(call: () => Promise<unknown>): Promise<number> {
  return (await attempt(call)).status;
}

/** Opens a watch as the service does: 200 once the apiserver streams it, else the status that refused it. */
export async function watchStatus(kubeConfig: KubeConfig, path: string, fieldSelector?: string): Promise<number> {
  let refusal: number | undefined;
  const controller = await new Watch(kubeConfig).watch(
    path,
    fieldSelector ? { fieldSelector } : {},
    () => undefined,
    (error: unknown) => {
      refusal ??= (error as { statusCode?: number } | null)?.statusCode;
    },
  );
  // Watch resolves once the response status has arrived; a refusal has called `done` by then.
  controller.abort();
  return refusal ?? 200;
}

/** expect.poll for hooks, where Vitest does not allow it. */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let value = await probe(); !done(value); value = await probe()) {
    if (Date.now() > deadline) throw new Error(`still ${String(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function emptyWebhookConfiguration(name: string): V1MutatingWebhookConfiguration {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name }, webhooks: [] };
}

/** Server-side apply as the service does it: a PATCH by name, which creates the object when it is missing. */
export function serverSideApply(objects: KubernetesObjectApi, name: string): Promise<unknown> {
  return objects.patch(emptyWebhookConfiguration(name) as KubernetesObject, undefined, undefined, 'sidecar-injector', true, PatchStrategy.ServerSideApply);
}
