import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitWarnings } from '../../../src/injection/admission-warnings.ts';
import { testCluster } from '../../control-plane/test-cluster.ts';
import { startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../../support/cluster-service.ts';
import { FIXTURE_SIDECARS } from '../../support/golden-cases.ts';
import { kubectlAsAuthor, kubectlWarnings } from '../../support/kubectl-author.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * The same pods through the CLI and through the registered webhook on the real apiserver
 * give the same stored pod. Both are created in one selected namespace with the same
 * generateName, so templates render the same pod name and namespace: the webhook injects
 * the original; the CLI's output reaches the webhook already injected, and is left alone.
 * What the CLI prints about each pod (warnings, refusals) is what kubectl prints from the webhook.
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

/**
 * Pods chosen to cover the engine's paths: defaults, chosen native and init sidecars, the
 * pod's own env and mounts, a service account; parameters (set, bad, for a sidecar not
 * injected), an optional sidecar left out of a pod that clashes with it (alone: nothing
 * injected), init placement among the pod's own init containers.
 */
const PODS = [
  POD('defaults'),
  POD('chosen', { annotations: { 'sidecar-injector.io/sidecars': 'proxy, metrics' }, spec: { initContainers: [{ name: 'migrate', image: 'registry.example.com/migrate:1' }] } }),
  POD('shipper', { annotations: { 'sidecar-injector.io/sidecars': 'log-agent,log-shipper' }, spec: { serviceAccountName: 'default', volumes: [{ name: 'scratch', emptyDir: {} }] } }),
  POD('opted-out', { annotations: { 'sidecar-injector.io/inject': 'false' } }),
  POD('tuned', {
    annotations: { 'sidecar-injector.io/sidecars': 'tuned-agent', 'sidecar-injector.io/params.tuned-agent.port': '8080', 'sidecar-injector.io/params.tuned-agent.cpu': '250m', 'sidecar-injector.io/params.tuned-agent.readOnly': 'false' },
  }),
  POD('counter', { annotations: { 'sidecar-injector.io/sidecars': 'statsd', 'sidecar-injector.io/params.statsd.port': 'eighty', 'sidecar-injector.io/params.log-agent.level': 'debug' } }),
  POD('own-statsd', {
    annotations: { 'sidecar-injector.io/sidecars': 'log-agent, statsd' },
    spec: {
      containers: [
        { name: 'app', image: 'registry.example.com/app:1' },
        { name: 'statsd', image: 'registry.example.com/own-statsd:2' },
      ],
    },
  }),
  POD('only-statsd', { annotations: { 'sidecar-injector.io/sidecars': 'statsd' }, spec: { containers: [{ name: 'statsd', image: 'registry.example.com/own-statsd:2' }] } }),
  POD('placed', {
    annotations: { 'sidecar-injector.io/sidecars': 'db-wait, mesh-init' },
    spec: {
      initContainers: [
        { name: 'migrate', image: 'registry.example.com/migrate:1' },
        { name: 'seed', image: 'registry.example.com/seed:1' },
      ],
    },
  }),
];

/** Pods the webhook refuses: a required sidecar's parameter out of bounds, a template this namespace may not use. */
const REFUSED = [POD('greedy', { annotations: { 'sidecar-injector.io/sidecars': 'tuned-agent', 'sidecar-injector.io/params.tuned-agent.cpu': '2' } }), POD('outsider', { annotations: { 'sidecar-injector.io/sidecars': 'team-agent' } })];

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

/** Creates the pod as its author would, with kubectl; the stored pod and the warnings kubectl printed. */
async function create(manifest: unknown): Promise<{ pod: StoredPod; warnings: string[] }> {
  const run = await kubectlAsAuthor(cluster.info.kubeconfigPath, ['create', '-n', namespace, '-f', '-', '-o', 'json'], JSON.stringify(manifest));
  expect(run.code, run.stderr).toBe(0);
  return { pod: JSON.parse(run.stdout) as StoredPod, warnings: kubectlWarnings(run.stderr) };
}

const CLI_WARNING = /^warning: \(stdin\): document (\d+) \([A-Za-z]+ [^ ]+\)(?:, [^:]+)?: (.*)$/;

/** The CLI's output documents, and its warnings by document (index from 0). */
async function cliInject(manifests: readonly unknown[]): Promise<{ documents: Record<string, unknown>[]; warnings: string[][] }> {
  const run = await runCli(['inject', '-f', '-', '--config', FIXTURE_SIDECARS, '-n', namespace, '--injector-namespace', service.config.podNamespace, '-q'], { input: manifests.map((manifest) => stringify(manifest)).join('---\n') });
  expect(run.code, run.stderr).toBe(0);
  const warnings: string[][] = manifests.map(() => []);
  for (const line of run.stderr.split('\n').filter((text) => text !== '')) {
    const match = CLI_WARNING.exec(line);
    expect(match, line).not.toBeNull();
    warnings[Number(match![1]) - 1]!.push(match![2]!);
  }
  return { documents: parseAllDocuments(run.stdout).map((document) => document.toJS() as Record<string, unknown>), warnings };
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
    expect(
      container.volumeMounts?.some((mount) => (mount as { mountPath?: string }).mountPath === TOKEN_MOUNT_PATH),
      container.name,
    ).toBe(true);
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
  it('store the same pod for the same Pod manifest, and tell its author the same', async () => {
    const injected = await cliInject(PODS);
    for (const [index, pod] of PODS.entries()) {
      const name = pod.metadata.generateName;
      const viaWebhook = await create(pod);
      const viaCli = await create(injected.documents[index]);
      expect(viaCli.pod.metadata.generateName).toBe(name);
      expect(comparable(viaCli.pod), name).toEqual(comparable(viaWebhook.pod));
      // The CLI prints every warning; the webhook sends them within Kubernetes' limits.
      expect(limitWarnings(injected.warnings[index]!), name).toEqual(viaWebhook.warnings);
      // Injected by the CLI, the pod reaches the webhook already injected: nothing more to say.
      // Left alone by the CLI, it is the same pod again, with the same warnings.
      const changed = JSON.stringify(injected.documents[index]) !== JSON.stringify(pod);
      expect(viaCli.warnings, name).toEqual(changed ? [] : viaWebhook.warnings);
    }
    // The cases did exercise injection, warnings and a pod left alone with warnings, not just skips.
    expect(injected.documents.filter((pod) => JSON.stringify(pod).includes('sidecar-injector.io/status'))).toHaveLength(7);
    expect(injected.warnings.map((warnings) => warnings.length)).toEqual([1, 0, 1, 0, 0, 2, 1, 1, 0]);
  });

  it('refuse the same pods with the same reason', async () => {
    for (const pod of REFUSED) {
      const cli = await runCli(['inject', '-f', '-', '--config', FIXTURE_SIDECARS, '-n', namespace, '--injector-namespace', service.config.podNamespace], { input: stringify(pod) });
      expect(cli.code).toBe(3);
      const reason = /the webhook would refuse this pod: (.*)\n/.exec(cli.stderr)?.[1];
      expect(reason, cli.stderr).toBeDefined();
      const webhook = await kubectlAsAuthor(cluster.info.kubeconfigPath, ['create', '-n', namespace, '-f', '-'], JSON.stringify(pod));
      expect(webhook.code).not.toBe(0);
      // The webhook's message is the engine's, after the service's name.
      expect(webhook.stderr).toContain(`denied the request: sidecar-injector: ${reason}\n`);
    }
  });

  it("store the same pod for a Deployment's template as for a pod its controller would create", async () => {
    const [deployment] = (await cliInject([DEPLOYMENT])).documents;
    const template = (deployment!['spec'] as { template: { metadata: Record<string, unknown>; spec: unknown } }).template;
    const asController = (source: typeof template) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { ...source.metadata, generateName: 'web-' }, spec: source.spec });
    const viaWebhook = await create(asController(DEPLOYMENT.spec.template as unknown as typeof template));
    const viaCli = await create(asController(template));
    expect(viaWebhook.pod.spec.containers.map((container) => container.name)).toEqual(['web', 'log-agent']);
    expect(comparable(viaCli.pod)).toEqual(comparable(viaWebhook.pod));
  });
});
