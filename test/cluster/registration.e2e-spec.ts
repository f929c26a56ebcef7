import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, Watch, type V1MutatingWebhookConfiguration, type V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { testCluster } from '../control-plane/test-cluster.ts';
import { containerNames, nginxPod, startClusterService, waitUntilInjecting, waitUntilReady, waitUntilWebhookGone, type ClusterService } from '../support/cluster-service.ts';
import { httpGet } from '../support/https-client.ts';
import { serviceAccountKubeconfig } from '../support/service-account.ts';

const cluster = testCluster();
const admission = cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
const started: ClusterService[] = [];
const webhooks = new Set<string>();

// A Fail webhook left pointing at a stopped service would refuse other tests' pods that its
// object selector matches: services retire their webhooks as they close, and the
// configurations of services stopped on purpose are deleted here.
afterEach(async () => {
  for (const service of started.splice(0)) await service.close().catch(() => undefined);
  for (const name of webhooks) {
    await admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
    await waitUntilWebhookGone(cluster, name);
  }
  webhooks.clear();
});

async function start(env: Record<string, string> = {}, ready = true): Promise<ClusterService> {
  const service = await startClusterService(cluster, env);
  started.push(service);
  webhooks.add(service.webhookName);
  if (ready) await waitUntilReady(service);
  return service;
}

/** Stops the service and leaves its webhook registered: what the apiserver does then is the test. */
async function stop(service: ClusterService): Promise<void> {
  started.splice(started.indexOf(service), 1);
  await service.close({ keepWebhook: true });
}

async function selectedNamespace(service: ClusterService): Promise<string> {
  return cluster.createNamespace('selected', { [service.selector.key]: service.selector.value });
}

function read(name: string): Promise<V1MutatingWebhookConfiguration> {
  return admission.readMutatingWebhookConfiguration({ name });
}

function createPod(namespace: string, pod: V1Pod = nginxPod()): Promise<V1Pod> {
  return cluster.core.createNamespacedPod({ namespace, body: pod });
}

/** Records the watch events of one configuration, to prove there was never a gap. */
async function recordEvents(name: string): Promise<{ events: string[]; stop: () => void }> {
  const events: string[] = [];
  const abort = await new Watch(cluster.kubeConfig).watch(
    '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    { fieldSelector: `metadata.name=${name}` },
    (type: string) => events.push(type),
    () => undefined,
  );
  return { events, stop: () => abort.abort() };
}

const caBundleOf = (configuration: V1MutatingWebhookConfiguration) => configuration.webhooks?.map((webhook) => webhook.clientConfig.caBundle);

describe('webhook registration on the real apiserver', () => {
  it('creates the configuration with both entries, the served CA and its exclusions, owned by its field manager', async () => {
    const service = await start();
    const configuration = await read(service.webhookName);
    const ca = Buffer.from(service.ca).toString('base64');
    expect(configuration.webhooks?.map((webhook) => webhook.name)).toEqual([`namespace.${service.webhookName}`, `object.${service.webhookName}`]);
    expect(caBundleOf(configuration)).toEqual([ca, ca]);
    const [byNamespace, byObject] = configuration.webhooks!;
    expect(byNamespace).toMatchObject({
      clientConfig: { url: `https://127.0.0.1:${service.port}/inject` },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
      failurePolicy: 'Fail',
      sideEffects: 'NoneOnDryRun',
      matchPolicy: 'Equivalent',
      timeoutSeconds: 10,
      reinvocationPolicy: 'Never',
      admissionReviewVersions: ['v1', 'v1beta1'],
      namespaceSelector: {
        matchLabels: { [service.selector.key]: 'enabled' },
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', service.config.podNamespace] }],
      },
      objectSelector: { matchExpressions: [{ key: 'sidecar-injector.io/inject', operator: 'NotIn', values: ['false'] }] },
    });
    expect(byObject).toMatchObject({ objectSelector: { matchLabels: { 'sidecar-injector.io/inject': 'true' } } });
    expect(configuration.metadata?.managedFields?.map((entry) => [entry.manager, entry.operation])).toContainEqual(['sidecar-injector', 'Apply']);
  });

  it('injects pods that opt in by label in an unselected namespace, and skips those that opt out', async () => {
    const service = await start();
    const plain = await cluster.createNamespace('plain');
    const selected = await selectedNamespace(service);
    await waitUntilInjecting(cluster, selected);
    const optIn = nginxPod('opt-in');
    optIn.metadata!.labels = { 'sidecar-injector.io/inject': 'true' };
    const optOut = nginxPod('opt-out');
    optOut.metadata!.labels = { 'sidecar-injector.io/inject': 'false' };
    expect(containerNames(await createPod(plain, optIn))).toEqual(['nginx', 'log-agent']);
    expect(containerNames(await createPod(selected, optOut))).toEqual(['nginx']);
    expect(containerNames(await createPod(plain))).toEqual(['nginx']);
  });

  it('shows the refusal reason to the person creating the pod', async () => {
    const service = await start();
    const namespace = await selectedNamespace(service);
    await waitUntilInjecting(cluster, namespace);
    const pod = nginxPod('asks-for-unknown');
    pod.metadata!.annotations = { 'sidecar-injector.io/sidecars': 'vault' };
    await expect(cluster.kubectl(['create', '-n', namespace, '-f', '-'], { input: JSON.stringify(pod) })).rejects.toThrow(
      /admission webhook "namespace\.[^"]+" denied the request: sidecar-injector: unknown sidecar "vault" in annotation sidecar-injector.io\/sidecars; known sidecars: log-agent, proxy/,
    );
  });

  it('under failurePolicy Fail, refuses pods while the service is down', async () => {
    const service = await start();
    const namespace = await selectedNamespace(service);
    await waitUntilInjecting(cluster, namespace);
    await stop(service);
    await expect(createPod(namespace)).rejects.toMatchObject({ code: 500, body: expect.stringMatching(/failed calling webhook/) });
  });

  it('under failurePolicy Ignore, creates pods uninjected while the service is down', async () => {
    const service = await start({ WEBHOOK_FAILURE_POLICY: 'Ignore' });
    const namespace = await selectedNamespace(service);
    await waitUntilInjecting(cluster, namespace);
    await stop(service);
    expect(containerNames(await createPod(namespace))).toEqual(['nginx']);
  });

  it('updates the configuration in place on restart: same object, never deleted', async () => {
    const first = await start();
    const before = await read(first.webhookName);
    const watch = await recordEvents(first.webhookName);
    await stop(first);
    const second = await start({ WEBHOOK_NAME: first.webhookName, NAMESPACE_SELECTOR: `${first.selector.key}=${first.selector.value}`, WEBHOOK_TIMEOUT_SECONDS: '5', PORT: String(first.port) });
    const after = await read(second.webhookName);
    watch.stop();
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.webhooks?.[0]?.timeoutSeconds).toBe(5);
    expect(watch.events).not.toContain('DELETED');
    expect(watch.events).toContain('MODIFIED');
  });

  it('converges with two replicas sharing one identity: one configuration, no flapping', async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'replicas-tls-'));
    onTestFinished(() => rmSync(tlsDir, { recursive: true, force: true }));
    const first = await start({ TLS_DIR: tlsDir });
    const shared = { TLS_DIR: tlsDir, WEBHOOK_NAME: first.webhookName, NAMESPACE_SELECTOR: `${first.selector.key}=${first.selector.value}`, WEBHOOK_URL: `https://127.0.0.1:${first.port}/inject`, POD_NAMESPACE: first.config.podNamespace };
    await start(shared);
    const settled = await read(first.webhookName);
    const watch = await recordEvents(first.webhookName);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    watch.stop();
    expect(watch.events.filter((type) => type !== 'ADDED')).toEqual([]);
    expect((await read(first.webhookName)).metadata?.resourceVersion).toBe(settled.metadata?.resourceVersion);
  });

  it('recreates the configuration within seconds when someone deletes it', async () => {
    const service = await start();
    const before = await read(service.webhookName);
    await admission.deleteMutatingWebhookConfiguration({ name: service.webhookName });
    await expect.poll(async () => (await read(service.webhookName).catch(() => undefined))?.metadata?.uid, { timeout: 10_000 }).not.toBeUndefined();
    const after = await read(service.webhookName);
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(caBundleOf(after)).toEqual(caBundleOf(before));
    expect(service.logs.some((line) => line['msg'] === 'webhook configuration updated' && String(line['why']).includes('deleted'))).toBe(true);
  });

  it('repairs a tampered caBundle within seconds, and keeps injecting', async () => {
    const service = await start();
    const namespace = await selectedNamespace(service);
    const good = caBundleOf(await read(service.webhookName));
    const forged = Buffer.from(service.ca.replace(/[A-Za-z]{8}(?=\n-----END)/, 'AAAAAAAA')).toString('base64');
    await cluster.kubectl(['patch', 'mutatingwebhookconfiguration', service.webhookName, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: forged }])]);
    await expect.poll(async () => caBundleOf(await read(service.webhookName)), { timeout: 10_000 }).toEqual(good);
    await waitUntilInjecting(cluster, namespace);
  });

  it('says which RBAC is missing when its identity may not register, and stays not ready', async () => {
    const namespace = await cluster.createNamespace('no-rbac');
    const kubeconfig = await serviceAccountKubeconfig(cluster, namespace, 'no-rights');
    const service = await start({ KUBECONFIG: kubeconfig, POD_NAMESPACE: namespace }, false);
    await expect
      .poll(() => service.logs.find((line) => line['msg'] === 'webhook registration failed')?.['reason'], { timeout: 10_000 })
      .toMatch(
        new RegExp(
          `^forbidden \\(403: .*system:serviceaccount:${namespace}:no-rights.*\\): the service account needs the RBAC verbs get, create and patch on mutatingwebhookconfigurations\\.admissionregistration\\.k8s\\.io named "${service.webhookName.replaceAll('.', '\\.')}" \\(see k8s/rbac\\.yaml\\); retrying$`,
        ),
      );
    const readiness = await httpGet(service.healthPort, '/readyz');
    expect(readiness.status).toBe(503);
    expect(readiness.json<{ error: { registration: { reason: string } } }>().error.registration.reason).toMatch(/^forbidden/);
  });
});
