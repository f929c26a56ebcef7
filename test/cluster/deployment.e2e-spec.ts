import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.ts';
import { parseSidecarConfig } from '../../src/injection/sidecar-config-parser.ts';
import { testCluster } from '../control-plane/test-cluster.ts';
import { attempt } from '../support/api-probes.ts';
import { find, K8S_DIR, renderKustomization, toYaml, type Manifest } from '../support/manifests.ts';
import { proveServiceAccountRbac } from '../support/rbac-proof.ts';

/**
 * k8s/ on the real apiserver: every rendered object through server-side validation and
 * admission, the pod template under the Pod Security level its namespace enforces, and the
 * shipped RBAC applied for real and used by the real service as that ServiceAccount —
 * enough to register, rotate, repair and clean up, and nothing more. What resourceNames
 * restricts, which this RBAC relies on, is shown in rbac-resource-names.e2e-spec.ts.
 */
const cluster = testCluster();
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
    expect(service.spec?.ports).toEqual(expect.arrayContaining([expect.objectContaining({ port: config.webhook.servicePort, targetPort: 'webhook' }), expect.objectContaining({ name: 'http-metrics', targetPort: 'health' })]));

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

proveServiceAccountRbac(cluster, 'k8s/', () => ({
  rbac: rbacManifests(),
  serviceAccount: find(manifests, 'ServiceAccount').metadata.name,
  namespace,
  templatesConfigMap: 'sidecar-injector-sidecars',
  config,
}));
