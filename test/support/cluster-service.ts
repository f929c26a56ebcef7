import { randomBytes } from 'node:crypto';
import { AdmissionregistrationV1Api, type V1Pod } from '@kubernetes/client-node';
import type { TestCluster } from '../control-plane/test-cluster.ts';
import { onFreePorts } from './free-port.ts';
import { httpGet } from './https-client.ts';
import { RegistrationService } from '../../src/webhook-registration/registration.service.ts';
import { startService, type RunningService } from './service.ts';

export interface ClusterService extends Omit<RunningService, 'close'> {
  /** Name of the MutatingWebhookConfiguration this instance owns (unique per test). */
  readonly webhookName: string;
  /** Label that selects namespaces for this instance's webhook (unique per test). */
  readonly selector: { readonly key: string; readonly value: string };
  /**
   * Removes the webhook configuration and waits until the apiserver has stopped calling
   * it, then stops the service; `keepWebhook` stops the service alone (a test of what the
   * apiserver does with a webhook that is down).
   */
  close(options?: { readonly keepWebhook?: boolean }): Promise<void>;
}

/**
 * Starts the real service against the test control plane in URL mode, as for
 * out-of-cluster development. Each call gets its own webhook name and namespace label, so
 * tests sharing one apiserver never route each other's pods (a leftover webhook with
 * failurePolicy Fail would refuse every pod it selects).
 */
export async function startClusterService(cluster: TestCluster, env: Record<string, string> = {}): Promise<ClusterService> {
  const id = randomBytes(3).toString('hex');
  const webhookName = env['WEBHOOK_NAME'] ?? `test-${id}.sidecar-injector.io`;
  const selector = { key: `test.sidecar-injector.io/${id}`, value: 'enabled' };
  const ownNamespace = env['POD_NAMESPACE'] ?? (await cluster.createNamespace('injector'));
  const startOn = (port: number) =>
    startService({
      KUBECONFIG: cluster.info.kubeconfigPath,
      WEBHOOK_REGISTRATION: 'enabled',
      WEBHOOK_URL: `https://127.0.0.1:${port}/inject`,
      WEBHOOK_NAME: webhookName,
      NAMESPACE_SELECTOR: `${selector.key}=${selector.value}`,
      POD_NAMESPACE: ownNamespace,
      SIDECAR_CONFIG: '',
      ...env,
      PORT: String(port),
    });
  // The URL names the port before the service binds it: on a port taken meanwhile, start again on another.
  const service = env['PORT'] ? await startOn(Number(env['PORT'])) : await onFreePorts(1, ([port]) => startOn(port!));
  return {
    ...service,
    webhookName,
    selector,
    async close(options = {}) {
      try {
        if (!options.keepWebhook) await retireWebhook(cluster, service, webhookName);
      } finally {
        await service.close();
      }
    },
  };
}

/**
 * The apiserver drops a deleted webhook from its admission cache a moment after the delete;
 * stopping the service before that would fail other tests' pods (their calls to this dead
 * webhook, Fail by default). The service stops registering first: it repairs a deleted
 * configuration within a second, and would put it back, pointing at a service about to stop.
 */
async function retireWebhook(cluster: TestCluster, service: RunningService, webhookName: string): Promise<void> {
  await service.app.get(RegistrationService).beforeApplicationShutdown();
  const admission = cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  await admission.deleteMutatingWebhookConfiguration({ name: webhookName }).catch(() => undefined);
  await waitUntilWebhookGone(cluster, webhookName, service);
  const left = await admission.readMutatingWebhookConfiguration({ name: webhookName }).then(
    () => true,
    () => false,
  );
  if (left) throw new Error(`webhook configuration ${webhookName} is still there after its service retired it: it would fail other tests' pods`);
}

/**
 * Dry-run pods that the webhook's object entry would select show when the apiserver has
 * stopped calling it: a live service no longer logs them, a dead one no longer fails them.
 * Fails when it never stops: a webhook left behind fails other tests' pods at random.
 */
export async function waitUntilWebhookGone(cluster: TestCluster, webhookName: string, service?: RunningService): Promise<void> {
  const namespace = await cluster.createNamespace('retire');
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    if (Date.now() > deadline) throw new Error(`the apiserver still calls webhook ${webhookName} 30 s after its configuration was deleted (${attempt} probes)`);
    const name = `retire-probe-${attempt}`;
    const probe = nginxPod(name);
    probe.metadata!.labels = { 'sidecar-injector.io/inject': 'true' };
    const failure = await cluster.core.createNamespacedPod({ namespace, body: probe, dryRun: 'All' }).then(
      () => '',
      (error: unknown) => String((error as { body?: unknown }).body ?? error),
    );
    const called = failure.includes(webhookName) || service?.logs.some((line) => line['pod'] === name && line['namespace'] === namespace);
    if (!called) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function nginxPod(name = 'nginx'): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } };
}

/**
 * A new webhook configuration reaches the apiserver's admission cache a moment after it is
 * stored; dry-run creates show when it takes effect without leaving pods behind.
 */
export async function waitUntilInjecting(cluster: TestCluster, namespace: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = await cluster.core.createNamespacedPod({ namespace, body: nginxPod(`probe-${Date.now()}`), dryRun: 'All' }).catch(() => undefined);
    if ((pod?.spec?.containers.length ?? 0) > 1) return;
    if (Date.now() > deadline) throw new Error(`pods in ${namespace} were still not injected after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function containerNames(pod: V1Pod): string[] {
  return pod.spec?.containers.map((container) => container.name) ?? [];
}

/** Ready means registered with the CA bundle being served; polls /readyz like a kubelet. */
export async function waitUntilReady(service: RunningService, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const answer = await httpGet(service.healthPort, '/readyz');
    if (answer.status === 200) return;
    last = answer.text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`service not ready after ${timeoutMs} ms: ${last}`);
}
