import { randomBytes } from 'node:crypto';
import { AdmissionregistrationV1Api, EventsV1Api, V1MicroTime, type V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/app-config.ts';
import type { TestCluster } from '../control-plane/test-cluster.ts';
import { clientsAs, emptyWebhookConfiguration, serverSideApply, statusOf, until, watchStatus, type IdentityClients } from './api-probes.ts';
import { containerNames, nginxPod, startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from './cluster-service.ts';
import { toYaml, type Manifest } from './manifests.ts';
import { serviceAccountKubeconfig } from './service-account.ts';

/** What an install gives the service: its RBAC objects, identity, namespace and configuration. */
export interface RbacSubject {
  /** Applied before the tests; empty when the installer already has (Helm). */
  readonly rbac: readonly Manifest[];
  readonly serviceAccount: string;
  readonly namespace: string;
  readonly templatesConfigMap: string;
  /** The service's configuration as the Deployment's environment and its ConfigMap make it. */
  readonly config: AppConfig;
}

function caCertificatesIn(configuration: V1MutatingWebhookConfiguration): number {
  return (
    Buffer.from(configuration.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64')
      .toString()
      .match(/BEGIN CERTIFICATE/g) ?? []
  ).length;
}

/**
 * The RBAC an install ships, applied for real and used by the real service as that
 * ServiceAccount — enough to register, rotate, repair and clean up, and nothing more.
 * k8s/ (deployment.e2e-spec.ts) and the Helm chart (helm-chart.e2e-spec.ts) are proven by the
 * same tests; `subject` is read once the caller's beforeAll has run.
 */
export function proveServiceAccountRbac(cluster: TestCluster, label: string, subject: () => RbacSubject): void {
  const admin = cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  /** Helm installs its own; kubectl applies k8s/'s. */
  const applyRbac = async () => {
    if (subject().rbac.length > 0) await cluster.kubectl(['apply', '-f', '-'], { input: toYaml(subject().rbac) });
  };
  describe(`the service running as the ServiceAccount of ${label}, with exactly its RBAC`, () => {
    const running: ClusterService[] = [];
    let kubeconfig: string;

    /** The real service in-process, in URL mode, with the identity and names the manifests give it. */
    async function start(env: Record<string, string> = {}): Promise<ClusterService> {
      const service = await startClusterService(cluster, {
        KUBECONFIG: kubeconfig,
        POD_NAMESPACE: subject().namespace,
        WEBHOOK_NAME: subject().config.webhook.name,
        TLS_SECRET_NAME: subject().config.tls.secretName!,
        // Tests in other files share this apiserver: a stopped injector must never refuse their pods.
        WEBHOOK_FAILURE_POLICY: 'Ignore',
        ...env,
      });
      running.push(service);
      await waitUntilReady(service, 30_000);
      return service;
    }

    async function stop(service: ClusterService): Promise<ClusterService> {
      running.splice(running.indexOf(service), 1);
      // As a replica leaves in production: its configuration stays for the next (failurePolicy Ignore here, so no other test's pod is refused meanwhile).
      await service.close({ keepWebhook: true });
      // Whatever it tried over its life, the apiserver never refused it.
      expect(service.logs.filter((line) => /forbidden|\b403\b/i.test(JSON.stringify(line)))).toEqual([]);
      return service;
    }

    function readConfiguration(): Promise<V1MutatingWebhookConfiguration> {
      return admin.readMutatingWebhookConfiguration({ name: subject().config.webhook.name });
    }

    beforeAll(async () => {
      await applyRbac();
      kubeconfig = await serviceAccountKubeconfig(cluster, subject().namespace, subject().serviceAccount);
    });

    afterAll(async () => {
      for (const service of running.splice(0)) await service.close();
      await admin.deleteMutatingWebhookConfiguration({ name: subject().config.webhook.name }).catch(() => undefined);
    });

    it('registers, shares its identity through its Secret, injects, records Events, and repairs a deletion through its watch', async () => {
      const service = await start();
      const registered = await readConfiguration();
      expect(registered.metadata?.managedFields?.map((entry) => [entry.manager, entry.operation])).toContainEqual(['sidecar-injector', 'Apply']);
      expect(registered.webhooks?.map((webhook) => webhook.name)).toEqual([`namespace.${subject().config.webhook.name}`, `object.${subject().config.webhook.name}`]);
      const secret = await cluster.core.readNamespacedSecret({ name: subject().config.tls.secretName!, namespace: subject().namespace });
      expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);

      const selected = await cluster.createNamespace('deployed', { [service.selector.key]: service.selector.value });
      await waitUntilInjecting(cluster, selected);
      expect(containerNames(await cluster.core.createNamespacedPod({ namespace: selected, body: nginxPod() }))).toEqual(['nginx', 'log-agent']);
      const events = cluster.kubeConfig.makeApiClient(EventsV1Api);
      await expect.poll(async () => (await events.listNamespacedEvent({ namespace: selected })).items.map((event) => [event.reason, event.regarding?.name]), { timeout: 10_000 }).toContainEqual(['Injected', 'nginx']);

      await admin.deleteMutatingWebhookConfiguration({ name: subject().config.webhook.name });
      // Nothing else changes now, and the periodic check is 60 s away: only the watch can notice
      // in time, and only a server-side apply allowed to create can bring the object back.
      await expect.poll(async () => (await readConfiguration().catch(() => undefined))?.metadata?.uid, { timeout: 10_000 }).toMatch(/./);
      expect((await readConfiguration()).metadata?.uid).not.toBe(registered.metadata?.uid);
      await stop(service);
    });

    it('re-applies in place after a restart, rolls its CA over through Secret updates and patches, and deletes its configuration when asked', { timeout: 60_000 }, async () => {
      const before = await readConfiguration();
      // A fresh Secret, so the short lifetimes below apply from the start: a serving
      // certificate every few seconds and one CA rollover, as in ca-rotation.e2e-spec.ts.
      await cluster.core.deleteNamespacedSecret({ name: subject().config.tls.secretName!, namespace: subject().namespace }).catch(() => undefined);
      const service = await start({ TLS_CERT_VALIDITY: '10s', TLS_CA_VALIDITY: '14s', TLS_RENEW_BEFORE: '6s', WEBHOOK_CLEANUP_ON_SHUTDOWN: 'true' });
      expect((await readConfiguration()).metadata?.uid).toBe(before.metadata?.uid);

      await expect.poll(async () => caCertificatesIn(await readConfiguration()), { timeout: 30_000, interval: 250 }).toBe(2);
      await waitUntilReady(service, 20_000);

      const stopped = await stop(service);
      expect(await statusOf(() => readConfiguration())).toBe(404);
      expect(stopped.logs.some((line) => line['msg'] === 'webhook configuration removed (WEBHOOK_CLEANUP_ON_SHUTDOWN)')).toBe(true);
    });
  });

  describe(`what else the ServiceAccount of ${label} may and may not do`, () => {
    const other = `unrelated-${randomBytes(3).toString('hex')}.example.io`;
    let as: IdentityClients;

    beforeAll(async () => {
      await applyRbac();
      as = await clientsAs(cluster, subject().namespace, subject().serviceAccount);
      await admin.createMutatingWebhookConfiguration({ body: emptyWebhookConfiguration(other) });
      await cluster.core.createNamespacedSecret({ namespace: subject().namespace, body: { metadata: { name: `other-${randomBytes(3).toString('hex')}` }, stringData: { token: 'not yours' } } });
      // A refusal proves something only once the bindings are in force: wait for an allowed call.
      await until(
        () => statusOf(() => as.admission.readMutatingWebhookConfiguration({ name: subject().config.webhook.name })),
        (status) => status !== 403,
      );
    });

    afterAll(async () => {
      await admin.deleteMutatingWebhookConfiguration({ name: other }).catch(() => undefined);
    });

    const refused: [string, () => Promise<unknown>][] = [
      ['server-side apply another MutatingWebhookConfiguration', () => serverSideApply(as.objects, other)],
      ['read another MutatingWebhookConfiguration', () => as.admission.readMutatingWebhookConfiguration({ name: other })],
      ['list MutatingWebhookConfigurations without a name selector', () => as.admission.listMutatingWebhookConfiguration()],
      [
        'read another Secret in its own namespace',
        async () =>
          as.core.readNamespacedSecret({
            name: (await cluster.core.listNamespacedSecret({ namespace: subject().namespace })).items.find((secret) => secret.metadata?.name?.startsWith('other-'))!.metadata!.name!,
            namespace: subject().namespace,
          }),
      ],
      ['list the Secrets of its own namespace', () => as.core.listNamespacedSecret({ namespace: subject().namespace })],
      ['read a Secret of the same name in another namespace', () => as.core.readNamespacedSecret({ name: subject().config.tls.secretName!, namespace: 'default' })],
      ['read the ConfigMaps it is configured from (they are mounted)', () => as.core.readNamespacedConfigMap({ name: subject().templatesConfigMap, namespace: subject().namespace })],
      ['list pods', () => as.core.listPodForAllNamespaces()],
      ['create core/v1 Events', () => as.core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'refused' }, involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' } } })],
      ['list Events', () => as.events.listNamespacedEvent({ namespace: 'default' })],
    ];

    it.each(refused)('may not %s (403)', async (_action, call) => {
      expect(await statusOf(call)).toBe(403);
    });

    it('may watch its own configuration and Secret by name, as the service does', async () => {
      expect(await watchStatus(as.kubeConfig, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', `metadata.name=${subject().config.webhook.name}`)).toBe(200);
      expect(await watchStatus(as.kubeConfig, `/api/v1/namespaces/${subject().namespace}/secrets`, `metadata.name=${subject().config.tls.secretName}`)).toBe(200);
      expect(await watchStatus(as.kubeConfig, `/api/v1/namespaces/${subject().namespace}/secrets`)).toBe(403);
    });

    it('may create events.k8s.io Events in any namespace, as the service does for pods', async () => {
      const body = {
        metadata: { name: `allowed.${randomBytes(4).toString('hex')}` },
        eventTime: new V1MicroTime(),
        reportingController: 'sidecar-injector.io/injector',
        reportingInstance: 'test',
        action: 'Inject',
        type: 'Normal',
        reason: 'Injected',
        note: 'RBAC check',
        regarding: { apiVersion: 'v1', kind: 'Pod', name: 'x', namespace: 'default' },
      };
      expect(await statusOf(() => as.events.createNamespacedEvent({ namespace: 'default', body }))).toBe(200);
    });

    it('may create a Secret of any name in its namespace (RBAC cannot bind a POST to a name) but not read it back', async () => {
      const name = `made-${randomBytes(3).toString('hex')}`;
      expect(await statusOf(() => as.core.createNamespacedSecret({ namespace: subject().namespace, body: { metadata: { name } } }))).toBe(200);
      expect(await statusOf(() => as.core.readNamespacedSecret({ name, namespace: subject().namespace }))).toBe(403);
    });
  });
}
