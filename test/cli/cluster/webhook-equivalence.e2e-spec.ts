import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../../control-plane/test-cluster.ts';
import { startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../../support/cluster-service.ts';
import { FIXTURE_SIDECARS } from '../../support/golden-cases.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * The same pods through the CLI and through the registered webhook on the real apiserver
 * give the same stored pod. Both are created in one selected namespace with the same
 * generateName, so templates render the same pod name and namespace: the webhook injects
 * the original; the CLI's output reaches the webhook already injected, and is left alone.
 */
const cluster = testCluster();
let service: ClusterService;
let namespace: string;

interface StoredPod {
  metadata: { name: string; generateName?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { volumes?: { name: string; projected?: unknown }[]; containers: { name: string; volumeMounts?: { name: string }[] }[]; initContainers?: { name: string; volumeMounts?: { name: string }[] }[] };
}

const POD = (name: string, extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: `${name}-`, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', env: [{ name: 'LOG_DIR', value: '/own/logs' }] }], ...extra.spec },
});

/** Pods chosen to cover the engine's paths: defaults, chosen native and init sidecars, the pod's own env and mounts, a service account. */
const PODS = [
  POD('defaults'),
  POD('chosen', { annotations: { 'sidecar-injector.io/sidecars': 'proxy, metrics' }, spec: { initContainers: [{ name: 'migrate', image: 'registry.example.com/migrate:1' }] } }),
  POD('shipper', { annotations: { 'sidecar-injector.io/sidecars': 'log-agent,log-shipper' }, spec: { serviceAccountName: 'default', volumes: [{ name: 'scratch', emptyDir: {} }] } }),
  POD('opted-out', { annotations: { 'sidecar-injector.io/inject': 'false' } }),
];

const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1' }] } },
  },
};

beforeAll(async () => {
  service = await startClusterService(cluster, { SIDECAR_CONFIG: FIXTURE_SIDECARS });
  await waitUntilReady(service);
  namespace = await cluster.createNamespace('cli-equal', { [service.selector.key]: service.selector.value });
  await waitUntilInjecting(cluster, namespace);
});

afterAll(async () => {
  await service?.close();
});

async function create(manifest: unknown): Promise<StoredPod> {
  return JSON.parse(await cluster.kubectl(['create', '-n', namespace, '-f', '-', '-o', 'json'], { input: JSON.stringify(manifest) })) as StoredPod;
}

async function cliInject(manifests: readonly unknown[]): Promise<Record<string, unknown>[]> {
  const run = await runCli(['inject', '-f', '-', '--config', FIXTURE_SIDECARS, '-n', namespace, '--injector-namespace', service.config.podNamespace, '-q'], { input: manifests.map((manifest) => stringify(manifest)).join('---\n') });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return parseAllDocuments(run.stdout).map((document) => document.toJS() as Record<string, unknown>);
}

const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The pod without what the ServiceAccount admission plugin adds. That plugin runs before
 * mutating webhooks, so in the webhook's pod its token volume and mounts come before the
 * sidecars' and in the CLI's pod after them: the same items, in another order. They are
 * taken out (and checked to be there) so that everything else is compared exactly.
 */
function comparable(pod: StoredPod): unknown {
  const token = pod.spec.volumes?.find((volume) => volume.name.startsWith('kube-api-access-'));
  expect(token?.projected, 'the service-account token volume').toBeDefined();
  const withoutToken = <T extends { name: string; volumeMounts?: { name: string }[] }>(container: T): T => {
    const mounts = (container.volumeMounts ?? []).filter((mount) => mount.name !== token!.name);
    expect(container.volumeMounts?.some((mount) => (mount as { mountPath?: string }).mountPath === TOKEN_MOUNT_PATH), container.name).toBe(true);
    const { volumeMounts: _all, ...rest } = container;
    return (mounts.length > 0 ? { ...rest, volumeMounts: mounts } : rest) as T;
  };
  const volumes = pod.spec.volumes!.filter((volume) => volume !== token);
  return {
    annotations: pod.metadata.annotations,
    labels: pod.metadata.labels,
    spec: {
      ...pod.spec,
      volumes: volumes.length > 0 ? volumes : undefined,
      containers: pod.spec.containers.map(withoutToken),
      ...(pod.spec.initContainers ? { initContainers: pod.spec.initContainers.map(withoutToken) } : {}),
    },
  };
}

describe('the CLI and the registered webhook', () => {
  it('store the same pod for the same Pod manifest', async () => {
    const injected = await cliInject(PODS);
    for (const [index, pod] of PODS.entries()) {
      const viaWebhook = await create(pod);
      const viaCli = await create(injected[index]);
      expect(viaCli.metadata.generateName).toBe(pod.metadata.generateName);
      expect(comparable(viaCli), pod.metadata.generateName).toEqual(comparable(viaWebhook));
    }
    // The cases did exercise injection, not just two skips.
    expect(injected.filter((pod) => JSON.stringify(pod).includes('sidecar-injector.io/status'))).toHaveLength(3);
  });

  it('store the same pod for a Deployment\'s template as for a pod its controller would create', async () => {
    const [deployment] = await cliInject([DEPLOYMENT]);
    const template = (deployment!['spec'] as { template: { metadata: Record<string, unknown>; spec: unknown } }).template;
    const asController = (source: typeof template) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { ...source.metadata, generateName: 'web-' }, spec: source.spec });
    const viaWebhook = await create(asController(DEPLOYMENT.spec.template as unknown as typeof template));
    const viaCli = await create(asController(template));
    expect(viaWebhook.spec.containers.map((container) => container.name)).toEqual(['web', 'log-agent']);
    expect(comparable(viaCli)).toEqual(comparable(viaWebhook));
  });
});
