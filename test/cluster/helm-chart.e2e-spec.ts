import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, AppsV1Api, BatchV1Api, type V1ConfigMap, type V1Deployment, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.ts';
import { parseLabelSelector, type LabelSelector } from '../../src/config/label-selector.ts';
import { testCluster } from '../control-plane/test-cluster.ts';
import { DASHBOARD_FILES, dashboardText } from '../../scripts/monitoring/dashboard.ts';
import { statusOf } from '../support/api-probes.ts';
import { startClusterService, waitUntilReady } from '../support/cluster-service.ts';
import { CHART_DIR, helm, HelmError, isHook, parseManifests, renderChart, valuesFile } from '../support/helm.ts';
import { find, K8S_DIR, renderKustomization, toYaml, type Manifest } from '../support/manifests.ts';
import { proveServiceAccountRbac } from '../support/rbac-proof.ts';
import { serviceAccountKubeconfig } from '../support/service-account.ts';

/**
 * The Helm chart, with the real helm (built from test/control-plane/go/helm): lint, renders with
 * several value sets, the same objects as k8s/ at its defaults, and install, upgrade and
 * uninstall against the real apiserver (no kubelet: nothing waits for pods), with the RBAC it
 * installs proven by the same tests as k8s/'s.
 */
const cluster = testCluster();
const admin = cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
const RBAC_KINDS = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
/** Kinds whose CRDs the test apiserver lacks: rendered and checked by shape, not applied. */
const CRD_KINDS = new Set(['ServiceMonitor', 'PrometheusRule', 'Certificate', 'Issuer']);

/** The env ConfigMap's name ends in a hash of its content, kustomize's and the chart's each computed their own way. */
function withoutEnvHash(manifests: readonly Manifest[]): unknown[] {
  return manifests.map((manifest) => JSON.parse(JSON.stringify(manifest).replace(/(sidecar-injector-env)-[a-z0-9]{10}\b/g, '$1-<hash>')) as unknown);
}

function byKindAndName(manifests: readonly Manifest[]): Manifest[] {
  return [...manifests].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

/** The environment the chart's Deployment gives the service, as deployment.e2e-spec.ts reads k8s/'s. */
function environmentOf(manifests: readonly Manifest[], namespace: string): Record<string, string> {
  const container = find<V1Deployment>(manifests, 'Deployment').spec!.template.spec!.containers[0]!;
  const fromConfigMaps = (container.envFrom ?? []).map((source) => find<V1ConfigMap>(manifests, 'ConfigMap', source.configMapRef!.name).data ?? {});
  const literal = Object.fromEntries((container.env ?? []).filter((variable) => variable.value !== undefined).map((variable) => [variable.name, variable.value!]));
  return { ...Object.assign({}, ...fromConfigMaps), ...literal, POD_NAMESPACE: namespace, POD_NAME: 'sidecar-injector-0' };
}

/** metav1.LabelSelector semantics, to compare what the chart was given with what the service will parse. */
function matches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const equal = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    equal &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      if (operator === 'Exists') return key in labels;
      if (operator === 'DoesNotExist') return !(key in labels);
      if (operator === 'In') return key in labels && values.includes(labels[key]!);
      return !(key in labels) || !values.includes(labels[key]!);
    })
  );
}

describe('the chart, rendered by helm', () => {
  it('passes helm lint, strict, with its defaults and with every value set below', async () => {
    expect(await helm(['lint', '--strict', CHART_DIR])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    for (const values of Object.values(VALUE_SETS)) {
      expect(await helm(['lint', '--strict', CHART_DIR, '--values', valuesFile(values)])).toMatch(/0 chart\(s\) failed/);
    }
  });

  it('renders at its defaults exactly the objects of k8s/, less the Namespace (Helm installs into the release namespace), plus the uninstall hook', async () => {
    const chart = await renderChart();
    const k8s = await renderKustomization(cluster);
    expect(k8s.filter((manifest) => manifest.kind === 'Namespace').map((manifest) => manifest.metadata.name)).toEqual(['sidecar-injector']);
    const ours = byKindAndName(chart.filter((manifest) => !isHook(manifest)));
    const theirs = byKindAndName(k8s.filter((manifest) => manifest.kind !== 'Namespace'));
    const names = (list: readonly Manifest[]) => withoutEnvHash(list.map((manifest) => ({ kind: manifest.kind, metadata: { name: manifest.metadata.name } }) as Manifest));
    expect(names(ours)).toEqual(names(theirs));
    expect(withoutEnvHash(ours)).toEqual(withoutEnvHash(theirs));
    expect(chart.filter(isHook).map((manifest) => manifest.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Job']);
  });

  it('renders with monitoring on exactly the PrometheusRule and dashboard of k8s/monitoring', async () => {
    const chart = await renderChart({ values: { metrics: { prometheusRule: { enabled: true }, dashboard: { enabled: true } } } });
    const monitoring = await renderKustomization(cluster, join(K8S_DIR, 'monitoring'));
    expect(byKindAndName(monitoring)).toEqual(byKindAndName(chart.filter((manifest) => manifest.kind === 'PrometheusRule' || manifest.metadata.name.endsWith('-dashboard'))));
  });

  it('ships the dashboard generated from scripts/monitoring/panels.ts, in the chart and in k8s/monitoring', () => {
    for (const file of DASHBOARD_FILES) expect(readFileSync(file, 'utf8'), `${file} is stale: node scripts/monitoring/dashboard.ts --write`).toBe(dashboardText());
  });

  it('renders files mode with a cert-manager Certificate: the Secret mounted as TLS_DIR, no Secret RBAC, the Service names in the certificate', async () => {
    const chart = await renderChart({ release: 'mesh', namespace: 'platform', values: VALUE_SETS.certManager });
    const certificates = chart.filter((manifest) => manifest.kind === 'Certificate') as unknown as { metadata: { name: string }; spec: { secretName: string; dnsNames?: string[]; issuerRef: { name: string } } }[];
    expect(certificates.map((certificate) => certificate.metadata.name).sort()).toEqual(['mesh-sidecar-injector', 'mesh-sidecar-injector-ca']);
    const serving = certificates.find((certificate) => certificate.metadata.name === 'mesh-sidecar-injector')!;
    expect(serving.spec.dnsNames).toContain('mesh-sidecar-injector.platform.svc');
    const deployment = find<V1Deployment>(chart, 'Deployment');
    expect(deployment.spec!.template.spec!.volumes!.find((volume) => volume.name === 'tls')?.secret?.secretName).toBe(serving.spec.secretName);
    const config = loadAppConfig(environmentOf(chart, 'platform'));
    expect(config.tls.mode).toBe('files');
    expect(config.webhook.serviceName).toBe('mesh-sidecar-injector');
    expect(chart.filter((manifest) => manifest.kind === 'Role' || manifest.kind === 'RoleBinding')).toEqual([]);
  });

  it('turns a full LabelSelector into a NAMESPACE_SELECTOR that selects the same namespaces', async () => {
    const given: LabelSelector = {
      matchLabels: { team: 'payments' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['batch', 'dev'] },
        { key: 'mesh', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'In', values: ['eu'] },
      ],
    };
    const chart = await renderChart({ values: { webhook: { namespaceSelector: given } } });
    const parsed = parseLabelSelector(environmentOf(chart, 'sidecar-injector')['NAMESPACE_SELECTOR']!);
    expect(typeof parsed).toBe('object');
    const samples: Record<string, string>[] = [
      {},
      { team: 'payments', mesh: '', zone: 'eu' },
      { team: 'payments', mesh: '', zone: 'eu', tier: 'batch' },
      { team: 'payments', mesh: '', zone: 'eu', tier: 'web' },
      { team: 'payments', mesh: '', zone: 'us' },
      { team: 'payments', zone: 'eu' },
      { team: 'payments', mesh: '', zone: 'eu', legacy: 'yes' },
      { team: 'other', mesh: '', zone: 'eu' },
    ];
    for (const labels of samples) expect(matches(parsed as LabelSelector, labels), JSON.stringify(labels)).toBe(matches(given, labels));
    // In with several values needs the set-based grammar (`zone in (eu,us)`), rendered as kubectl writes it.
    const several = await renderChart({ values: { webhook: { namespaceSelector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['eu', 'us'] }] } } } });
    expect(environmentOf(several, 'sidecar-injector')['NAMESPACE_SELECTOR']).toBe('zone in (eu,us)');
  });

  it('renders the optional objects: ServiceMonitor, NetworkPolicy, priority class, extra environment', async () => {
    const chart = await renderChart({ values: VALUE_SETS.everythingOn });
    expect(chart.map((manifest) => manifest.kind)).toEqual(expect.arrayContaining(['ServiceMonitor', 'NetworkPolicy', 'PrometheusRule', 'ConfigMap']));
    const pod = find<V1Deployment>(chart, 'Deployment').spec!.template.spec!;
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    const config = loadAppConfig(environmentOf(chart, 'sidecar-injector'));
    expect(config.webhook.failurePolicy).toBe('Ignore');
    expect(config.tls.hostnames).toContain('injector.example.com');
  });

  it('passes kubectl apply --dry-run=server with every value set (strict schema, admission, Pod Security of a restricted namespace)', async () => {
    const namespace = await cluster.createNamespace('chart-dry-run', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    for (const [name, values] of Object.entries(VALUE_SETS)) {
      const objects = (await renderChart({ release: `dry-${name.toLowerCase()}`, namespace, values })).filter((manifest) => !CRD_KINDS.has(manifest.kind));
      const output = await cluster.kubectl(['apply', '-f', '-', '--dry-run=server', '--validate=strict', '--warnings-as-errors'], { input: toYaml(objects) });
      expect(output.trim().split('\n'), name).toHaveLength(objects.length);
    }
  });

  it.each([
    ['an unknown failurePolicy', { webhook: { failurePolicy: 'Never' } }, /failurePolicy.*'Fail', 'Ignore'/],
    ['files mode with no certificate source', { tls: { mode: 'files' } }, /existingSecret/],
    ['a replica count that is not a number', { replicaCount: 'two' }, /replicaCount'?: got string, want integer/],
    ['an In requirement without values', { webhook: { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } }, /values/],
    ['an invalid label key', { webhook: { namespaceSelector: { matchLabels: { 'bad key': 'x' } } } }, /'bad key' does not match pattern/],
    ['a setting the chart owns, through extraEnv', { extraEnv: { PORT: '1' } }, /invalid propertyName 'PORT'/],
    ['a misspelt value', { replicas: 3 }, /additional properties 'replicas' not allowed/],
  ])('refuses %s at install time (values.schema.json)', async (_what, values, message) => {
    const error = await renderChart({ values }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(HelmError);
    expect((error as HelmError).message).toMatch(message);
  });
});

const VALUE_SETS = {
  certManager: { tls: { mode: 'files', certManager: { enabled: true } } },
  existingSecret: { tls: { mode: 'files', existingSecret: 'my-tls' }, replicaCount: 3, logLevel: 'debug' },
  everythingOn: {
    priorityClassName: 'system-cluster-critical',
    webhook: { failurePolicy: 'Ignore', timeoutSeconds: 5, reinvocationPolicy: 'IfNeeded', namespaceSelector: { matchExpressions: [{ key: 'inject', operator: 'Exists' }] } },
    extraEnv: { TLS_HOSTNAMES: 'injector.example.com' },
    metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, dashboard: { enabled: true } },
    networkPolicy: { enabled: true },
    sidecarTemplates: { sidecars: [{ name: 'only', default: true, containers: [{ name: 'only', image: 'busybox:1.37' }] }] },
  },
  noHookNoPdb: { webhook: { uninstallHook: { enabled: false } }, podDisruptionBudget: { enabled: false } },
} as const;

describe('helm install, upgrade and uninstall on the real apiserver', () => {
  const id = randomBytes(3).toString('hex');
  const release = `helm-${id}`;
  const namespace = `helm-${id}`;
  const fullname = `${release}-sidecar-injector`;
  const webhookName = `${release}.sidecar-injector.io`;
  // Its own namespace label and Ignore: other test files share this apiserver.
  const values = { webhook: { name: webhookName, failurePolicy: 'Ignore', namespaceSelector: { matchLabels: { [`helm-test.sidecar-injector.io/${id}`]: 'enabled' } } } };
  let manifests: Manifest[];
  let config: AppConfig;

  async function installed(): Promise<Manifest[]> {
    return parseManifests(await helm(['get', 'manifest', release, '--namespace', namespace], { kubeconfig: cluster.info.kubeconfigPath }));
  }

  beforeAll(async () => {
    const output = await helm(['install', release, CHART_DIR, '--namespace', namespace, '--create-namespace', '--values', valuesFile(values)], { kubeconfig: cluster.info.kubeconfigPath });
    if (!/STATUS: deployed/.test(output)) throw new Error(`helm install did not deploy:\n${output}`);
    manifests = await installed();
    config = loadAppConfig(environmentOf(manifests, namespace));
  });

  afterAll(async () => {
    await helm(['uninstall', release, '--namespace', namespace, '--no-hooks', '--ignore-not-found'], { kubeconfig: cluster.info.kubeconfigPath }).catch(() => undefined);
    await admin.deleteMutatingWebhookConfiguration({ name: webhookName }).catch(() => undefined);
  });

  it('installs every object the chart renders, in the release namespace', async () => {
    for (const manifest of manifests) {
      const scope = manifest.metadata.namespace ? ['--namespace', manifest.metadata.namespace] : [];
      expect(await cluster.kubectl(['get', manifest.kind, manifest.metadata.name, '-o', 'name', ...scope])).toMatch(/\S/);
    }
    expect(manifests.filter((manifest) => manifest.metadata.namespace !== undefined).every((manifest) => manifest.metadata.namespace === namespace)).toBe(true);
    expect(config.webhook.name).toBe(webhookName);
  });

  proveServiceAccountRbac(cluster, 'the Helm chart', () => ({
    // Helm applied them; the proof only uses them.
    rbac: [],
    serviceAccount: find(manifests, 'ServiceAccount').metadata.name,
    namespace,
    templatesConfigMap: `${fullname}-sidecars`,
    config,
  }));

  it('the RBAC it installs is exactly the RBAC of k8s/, bound to this release', async () => {
    const k8s = (await renderKustomization(cluster)).filter((manifest) => RBAC_KINDS.has(manifest.kind));
    const ours = manifests.filter((manifest) => RBAC_KINDS.has(manifest.kind));
    const rules = (list: readonly Manifest[], kind: string) => (find(list, kind) as unknown as { rules: unknown[] }).rules;
    const renamed = (rulesOf: unknown[]) => JSON.parse(JSON.stringify(rulesOf).replaceAll('sidecar-injector.io', webhookName)) as unknown;
    expect(rules(ours, 'ClusterRole')).toEqual(renamed(rules(k8s, 'ClusterRole')));
    expect(rules(ours, 'Role')).toEqual(rules(k8s, 'Role'));
  });

  it('upgrades: a changed setting gets a new env ConfigMap, which the Deployment now reads, and the old one goes', async () => {
    const envName = (list: readonly Manifest[]) => find<V1Deployment>(list, 'Deployment').spec!.template.spec!.containers[0]!.envFrom![0]!.configMapRef!.name!;
    const before = envName(manifests);
    const output = await helm(['upgrade', release, CHART_DIR, '--namespace', namespace, '--reuse-values', '--set', 'logLevel=debug'], { kubeconfig: cluster.info.kubeconfigPath });
    expect(output).toMatch(/REVISION: 2/);
    const after = envName(await installed());
    expect(after).not.toBe(before);
    const stored = await cluster.kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: fullname, namespace });
    expect(stored.spec!.template.spec!.containers[0]!.envFrom![0]!.configMapRef!.name).toBe(after);
    expect((await cluster.core.readNamespacedConfigMap({ name: after, namespace })).data?.['LOG_LEVEL']).toBe('debug');
    expect(await statusOf(() => cluster.core.readNamespacedConfigMap({ name: before, namespace }))).toBe(404);
  });

  it('uninstalls leaving no webhook configuration, although a replica still running re-creates it when it is deleted', { timeout: 120_000 }, async () => {
    // A replica as the chart's ServiceAccount, registered: what `helm uninstall` meets in a cluster.
    const kubeconfig = await serviceAccountKubeconfig(cluster, namespace, fullname);
    const service = await startClusterService(cluster, { KUBECONFIG: kubeconfig, POD_NAMESPACE: namespace, WEBHOOK_NAME: webhookName, TLS_SECRET_NAME: config.tls.secretName!, WEBHOOK_FAILURE_POLICY: 'Ignore' });
    try {
      await waitUntilReady(service, 30_000);
      expect((await admin.readMutatingWebhookConfiguration({ name: webhookName })).metadata?.name).toBe(webhookName);

      const uninstall = helm(['uninstall', release, '--namespace', namespace, '--timeout', '90s'], { kubeconfig: cluster.info.kubeconfigPath });
      uninstall.catch(() => undefined);
      // No kubelet: the test does what the Job's pod would, as the hook's ServiceAccount, then marks the Job complete.
      const job = await waitForJob(`${fullname}-uninstall`, namespace);
      await runHookJob(job, namespace);
      await completeJob(job, namespace);
      expect(await uninstall).toMatch(/uninstalled/);

      expect(await statusOf(() => admin.readMutatingWebhookConfiguration({ name: webhookName }))).toBe(404);
      // The replica is still running and watching; the configuration must stay gone.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await statusOf(() => admin.readMutatingWebhookConfiguration({ name: webhookName }))).toBe(404);
      expect(await cluster.kubectl(['get', 'all,configmaps,serviceaccounts,roles,rolebindings,poddisruptionbudgets', '--namespace', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name'])).toBe('');
      expect(await cluster.kubectl(['get', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name'])).toBe('');
    } finally {
      await service.close({ keepWebhook: true });
    }
  });
});

async function waitForJob(name: string, namespace: string): Promise<V1Job> {
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  for (let attempt = 0; attempt < 300; attempt++) {
    const job = await batch.readNamespacedJob({ name, namespace }).catch(() => undefined);
    if (job) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the pre-delete hook Job ${name} never appeared`);
}

/** Runs the hook container's command with its environment, authenticated as its ServiceAccount, against the test apiserver. */
async function runHookJob(job: V1Job, namespace: string): Promise<void> {
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0]!;
  const request = await cluster.core.createNamespacedServiceAccountToken({ namespace, name: pod.serviceAccountName!, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const dir = mkdtempSync(join(tmpdir(), 'hook-'));
  writeFileSync(join(dir, 'token'), request.status?.token ?? '');
  writeFileSync(join(dir, 'ca.crt'), Buffer.from(cluster.kubeConfig.getCurrentCluster()!.caData!, 'base64'));
  const env = {
    PATH: process.env['PATH'] ?? '',
    KUBE_API_URL: cluster.info.server,
    KUBE_TOKEN_FILE: join(dir, 'token'),
    KUBE_CA_FILE: join(dir, 'ca.crt'),
    ...Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value ?? ''])),
  };
  const [command, ...args] = [...container.command!, ...(container.args ?? [])];
  expect(command).toBe('node');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(code, output).toBe(0);
  expect(output).toMatch(/removed/);
}

/** What the Job controller would record once its pod succeeded; Helm waits for the Complete condition. */
async function completeJob(job: V1Job, namespace: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string) => ({ type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
  const status = { startTime: now, completionTime: now, succeeded: 1, conditions: [condition('SuccessCriteriaMet'), condition('Complete')] };
  await cluster.kubectl(['patch', 'job', job.metadata!.name!, '--namespace', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}
