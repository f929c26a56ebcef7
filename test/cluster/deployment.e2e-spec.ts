import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AdmissionregistrationV1Api, EventsV1Api, V1MicroTime, type V1ConfigMap, type V1Deployment, type V1MutatingWebhookConfiguration, type V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.ts';
import { parseSidecarConfig } from '../../src/injection/sidecar-config-parser.ts';
import { testCluster } from '../control-plane/test-cluster.ts';
import { attempt, clientsAs, emptyWebhookConfiguration, serverSideApply, statusOf, until, watchStatus, type IdentityClients } from '../support/api-probes.ts';
import { containerNames, nginxPod, startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../support/cluster-service.ts';
import { find, K8S_DIR, renderKustomization, toYaml, type Manifest } from '../support/manifests.ts';
import { serviceAccountKubeconfig } from '../support/service-account.ts';

/**
 * k8s/ on the real apiserver: every rendered object through server-side validation and
 * admission, the pod template under the Pod Security level its namespace enforces, and the
 * shipped RBAC applied for real and used by the real service as that ServiceAccount —
 * enough to register, rotate, repair and clean up, and nothing more. What resourceNames
 * restricts, which this RBAC relies on, is shown in rbac-resource-names.e2e-spec.ts.
 */
const cluster = testCluster();
const admin = cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
const DOCKERFILE = join(K8S_DIR, '..', 'Dockerfile');

let manifests: Manifest[];
/** The injector's namespace as the manifests name it; it can be created once per control plane. */
let namespace: string;
let deployment: V1Deployment;
/** The service's configuration as the Deployment's environment and its ConfigMap make it. */
let config: AppConfig;

beforeAll(async () => {
  manifests = await renderKustomization(cluster);
  namespace = find(manifests, 'Namespace').metadata.name;
  deployment = find<V1Deployment>(manifests, 'Deployment');
  config = loadAppConfig(deploymentEnvironment());
  // Namespaced objects can be dry-run only in a namespace that exists; applying it is idempotent.
  await cluster.kubectl(['apply', '-f', '-'], { input: toYaml([find(manifests, 'Namespace')]) });
});

function container() {
  return deployment.spec!.template.spec!.containers[0]!;
}

/** What the container's process sees: envFrom's ConfigMap, then env (which wins), with the downward API filled in. */
function deploymentEnvironment(): Record<string, string> {
  const fromConfigMaps = (container().envFrom ?? []).map((source) => find<V1ConfigMap>(manifests, 'ConfigMap', source.configMapRef!.name).data ?? {});
  const literal = Object.fromEntries((container().env ?? []).filter((variable) => variable.value !== undefined).map((variable) => [variable.name, variable.value!]));
  return { ...Object.assign({}, ...fromConfigMaps), ...literal, POD_NAMESPACE: namespace, POD_NAME: 'sidecar-injector-0' };
}

function rbacManifests(): Manifest[] {
  return manifests.filter((manifest) => RBAC_KINDS.has(manifest.kind));
}

function resourceNamesOf(kind: 'ClusterRole' | 'Role', resource: string): string[] {
  const role = find<{ rules: { resources: string[]; resourceNames?: string[] }[] }>(manifests, kind);
  return role.rules.filter((rule) => rule.resources.includes(resource)).flatMap((rule) => rule.resourceNames ?? []);
}

function caCertificatesIn(configuration: V1MutatingWebhookConfiguration): number {
  return (Buffer.from(configuration.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString().match(/BEGIN CERTIFICATE/g) ?? []).length;
}

describe('k8s/ rendered by kubectl kustomize', () => {
  it('passes kubectl apply -k --dry-run=server: schema with strict field validation, admission, no warnings', async () => {
    const output = await cluster.kubectl(['apply', '-k', K8S_DIR, '--dry-run=server', '--validate=strict', '--warnings-as-errors']);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(manifests.length);
    expect(lines.filter((line) => !line.endsWith('(server dry run)'))).toEqual([]);
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'ConfigMap', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
    );
  });

  it('runs its pod under Pod Security "restricted", which its namespace enforces', async () => {
    // The ServiceAccount admission plugin refuses pods whose ServiceAccount does not exist.
    await cluster.kubectl(['apply', '-f', '-'], { input: toYaml([find(manifests, 'ServiceAccount')]) });
    const template = deployment.spec!.template;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod-security-check', labels: template.metadata?.labels }, spec: template.spec! };
    await expect(cluster.core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' })).resolves.toMatchObject({ metadata: { name: 'pod-security-check' } });

    const escalating = structuredClone(pod);
    escalating.spec.containers[0]!.securityContext!.allowPrivilegeEscalation = true;
    const refusal = await attempt(() => cluster.core.createNamespacedPod({ namespace, body: escalating, dryRun: 'All' }));
    expect(refusal).toMatchObject({ status: 403, message: expect.stringMatching(/violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/) });
  });

  it('configures the service coherently: valid environment, ports, probes, mounts, UID and RBAC names agree', () => {
    const ports = Object.fromEntries((container().ports ?? []).map((port) => [port.name, port.containerPort]));
    expect(ports).toEqual({ webhook: config.port, health: config.healthPort });
    expect(container().livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'health' });
    expect(container().readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'health' });

    const service = find<V1Service>(manifests, 'Service');
    expect(service.metadata?.name).toBe(config.webhook.serviceName);
    expect(service.spec?.ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ port: config.webhook.servicePort, targetPort: 'webhook' }),
        expect.objectContaining({ name: 'http-metrics', targetPort: 'health' }),
      ]),
    );

    const mounts = container().volumeMounts ?? [];
    const volumes = deployment.spec!.template.spec!.volumes ?? [];
    const templatesVolume = volumes.find((volume) => volume.name === mounts.find((mount) => mount.mountPath === dirname(config.sidecarConfigPath))?.name);
    const templates = find<V1ConfigMap>(manifests, 'ConfigMap', templatesVolume?.configMap?.name);
    expect(parseSidecarConfig(templates.data![basename(config.sidecarConfigPath)]!, 'k8s/sidecars.yaml').sidecars.size).toBeGreaterThan(0);
    // The templates keep their name, so an edit reaches the mounted file in place; the environment's name follows its content, so an edit rolls out.
    const generators = (parse(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as { configMapGenerator: { name: string }[] }).configMapGenerator.map((generator) => generator.name);
    expect(generators).toContain(templates.metadata?.name);
    expect(generators).not.toContain(container().envFrom?.[0]?.configMapRef?.name);
    // An emptyDir is 0777, which the service refuses for its keys: TLS_DIR is a directory it creates (0700) inside one.
    expect(volumes.find((volume) => volume.name === mounts.find((mount) => mount.mountPath === dirname(config.tls.dir))?.name)?.emptyDir).toBeDefined();
    expect(container().securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

    const user = /^USER (\d+):(\d+)$/m.exec(readFileSync(DOCKERFILE, 'utf8'));
    expect(deployment.spec!.template.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(user?.[1]), runAsGroup: Number(user?.[2]) });

    expect(resourceNamesOf('ClusterRole', 'mutatingwebhookconfigurations')).toEqual([config.webhook.name]);
    expect(resourceNamesOf('Role', 'secrets')).toEqual([config.tls.secretName]);
  });

  it('lets endpoints go before the listener stops: preStop sleep + SHUTDOWN_TIMEOUT < terminationGracePeriodSeconds', () => {
    const preStopMs = (container().lifecycle?.preStop?.sleep?.seconds ?? 0) * 1_000;
    expect(preStopMs).toBeGreaterThan(0);
    expect(preStopMs + config.shutdownTimeoutMs).toBeLessThan(deployment.spec!.template.spec!.terminationGracePeriodSeconds! * 1_000);
  });

  it('never selects its own namespace for injection', async () => {
    // The apiserver evaluates NAMESPACE_SELECTOR, with the same semantics the webhook's namespaceSelector has.
    const selected = await cluster.kubectl(['get', 'namespaces', '-l', deploymentEnvironment()['NAMESPACE_SELECTOR']!, '-o', 'name']);
    expect(selected.split('\n')).not.toContain(`namespace/${namespace}`);
  });
});

describe('the service running as the ServiceAccount of k8s/, with exactly its RBAC', () => {
  const running: ClusterService[] = [];
  let kubeconfig: string;

  /** The real service in-process, in URL mode, with the identity and names the manifests give it. */
  async function start(env: Record<string, string> = {}): Promise<ClusterService> {
    const service = await startClusterService(cluster, {
      KUBECONFIG: kubeconfig,
      POD_NAMESPACE: namespace,
      WEBHOOK_NAME: config.webhook.name,
      TLS_SECRET_NAME: config.tls.secretName!,
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
    return admin.readMutatingWebhookConfiguration({ name: config.webhook.name });
  }

  beforeAll(async () => {
    await cluster.kubectl(['apply', '-f', '-'], { input: toYaml(rbacManifests()) });
    kubeconfig = await serviceAccountKubeconfig(cluster, namespace, find(manifests, 'ServiceAccount').metadata.name);
  });

  afterAll(async () => {
    for (const service of running.splice(0)) await service.close();
    await admin.deleteMutatingWebhookConfiguration({ name: config.webhook.name }).catch(() => undefined);
  });

  it('registers, shares its identity through its Secret, injects, records Events, and repairs a deletion through its watch', async () => {
    const service = await start();
    const registered = await readConfiguration();
    expect(registered.metadata?.managedFields?.map((entry) => [entry.manager, entry.operation])).toContainEqual(['sidecar-injector', 'Apply']);
    expect(registered.webhooks?.map((webhook) => webhook.name)).toEqual([`namespace.${config.webhook.name}`, `object.${config.webhook.name}`]);
    const secret = await cluster.core.readNamespacedSecret({ name: config.tls.secretName!, namespace });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);

    const selected = await cluster.createNamespace('deployed', { [service.selector.key]: service.selector.value });
    await waitUntilInjecting(cluster, selected);
    expect(containerNames(await cluster.core.createNamespacedPod({ namespace: selected, body: nginxPod() }))).toEqual(['nginx', 'log-agent']);
    const events = cluster.kubeConfig.makeApiClient(EventsV1Api);
    await expect
      .poll(async () => (await events.listNamespacedEvent({ namespace: selected })).items.map((event) => [event.reason, event.regarding?.name]), { timeout: 10_000 })
      .toContainEqual(['Injected', 'nginx']);

    await admin.deleteMutatingWebhookConfiguration({ name: config.webhook.name });
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
    await cluster.core.deleteNamespacedSecret({ name: config.tls.secretName!, namespace }).catch(() => undefined);
    const service = await start({ TLS_CERT_VALIDITY: '10s', TLS_CA_VALIDITY: '14s', TLS_RENEW_BEFORE: '6s', WEBHOOK_CLEANUP_ON_SHUTDOWN: 'true' });
    expect((await readConfiguration()).metadata?.uid).toBe(before.metadata?.uid);

    await expect.poll(async () => caCertificatesIn(await readConfiguration()), { timeout: 30_000, interval: 250 }).toBe(2);
    await waitUntilReady(service, 20_000);

    const stopped = await stop(service);
    expect(await statusOf(() => readConfiguration())).toBe(404);
    expect(stopped.logs.some((line) => line['msg'] === 'webhook configuration removed (WEBHOOK_CLEANUP_ON_SHUTDOWN)')).toBe(true);
  });
});

describe('what else the ServiceAccount of k8s/ may and may not do', () => {
  const other = `unrelated-${randomBytes(3).toString('hex')}.example.io`;
  let as: IdentityClients;

  beforeAll(async () => {
    await cluster.kubectl(['apply', '-f', '-'], { input: toYaml(rbacManifests()) });
    as = await clientsAs(cluster, namespace, find(manifests, 'ServiceAccount').metadata.name);
    await admin.createMutatingWebhookConfiguration({ body: emptyWebhookConfiguration(other) });
    await cluster.core.createNamespacedSecret({ namespace, body: { metadata: { name: `other-${randomBytes(3).toString('hex')}` }, stringData: { token: 'not yours' } } });
    // A refusal proves something only once the bindings are in force: wait for an allowed call.
    await until(() => statusOf(() => as.admission.readMutatingWebhookConfiguration({ name: config.webhook.name })), (status) => status !== 403);
  });

  afterAll(async () => {
    await admin.deleteMutatingWebhookConfiguration({ name: other }).catch(() => undefined);
  });

  const refused: [string, () => Promise<unknown>][] = [
    ['server-side apply another MutatingWebhookConfiguration', () => serverSideApply(as.objects, other)],
    ['read another MutatingWebhookConfiguration', () => as.admission.readMutatingWebhookConfiguration({ name: other })],
    ['list MutatingWebhookConfigurations without a name selector', () => as.admission.listMutatingWebhookConfiguration()],
    ['read another Secret in its own namespace', async () => as.core.readNamespacedSecret({ name: (await cluster.core.listNamespacedSecret({ namespace })).items.find((secret) => secret.metadata?.name?.startsWith('other-'))!.metadata!.name!, namespace })],
    ['list the Secrets of its own namespace', () => as.core.listNamespacedSecret({ namespace })],
    ['read a Secret of the same name in another namespace', () => as.core.readNamespacedSecret({ name: config.tls.secretName!, namespace: 'default' })],
    ['read the ConfigMaps it is configured from (they are mounted)', () => as.core.readNamespacedConfigMap({ name: 'sidecar-injector-sidecars', namespace })],
    ['list pods', () => as.core.listPodForAllNamespaces()],
    ['create core/v1 Events', () => as.core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'refused' }, involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' } } })],
    ['list Events', () => as.events.listNamespacedEvent({ namespace: 'default' })],
  ];

  it.each(refused)('may not %s (403)', async (_action, call) => {
    expect(await statusOf(call)).toBe(403);
  });

  it('may watch its own configuration and Secret by name, as the service does', async () => {
    expect(await watchStatus(as.kubeConfig, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', `metadata.name=${config.webhook.name}`)).toBe(200);
    expect(await watchStatus(as.kubeConfig, `/api/v1/namespaces/${namespace}/secrets`, `metadata.name=${config.tls.secretName}`)).toBe(200);
    expect(await watchStatus(as.kubeConfig, `/api/v1/namespaces/${namespace}/secrets`)).toBe(403);
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
    expect(await statusOf(() => as.core.createNamespacedSecret({ namespace, body: { metadata: { name } } }))).toBe(200);
    expect(await statusOf(() => as.core.readNamespacedSecret({ name, namespace }))).toBe(403);
  });
});
