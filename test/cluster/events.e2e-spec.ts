import { AppsV1Api, EventsV1Api, type EventsV1Event, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../control-plane/test-cluster.ts';
import { containerNames, nginxPod, startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../support/cluster-service.ts';
import { serviceAccountKubeconfig } from '../support/service-account.ts';

const cluster = testCluster();
const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
const events = cluster.kubeConfig.makeApiClient(EventsV1Api);
const services: ClusterService[] = [];

afterAll(async () => {
  for (const service of services) await service.close();
});

async function start(env: Record<string, string> = {}): Promise<{ service: ClusterService; namespace: string }> {
  const service = await startClusterService(cluster, env);
  services.push(service);
  await waitUntilReady(service);
  const namespace = await cluster.createNamespace('events', { [service.selector.key]: service.selector.value });
  await waitUntilInjecting(cluster, namespace);
  return { service, namespace };
}

/** A ReplicaSet stored as a controller would own pods; no controller runs here, so pods are made by hand. */
async function replicaSet(namespace: string, name: string): Promise<V1ReplicaSet> {
  return apps.createNamespacedReplicaSet({
    namespace,
    body: {
      metadata: { name },
      spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    },
  });
}

function podOf(owner: V1ReplicaSet, annotations: Record<string, string> = {}): V1Pod {
  const pod = nginxPod();
  pod.metadata = {
    generateName: `${owner.metadata!.name}-`,
    labels: { app: owner.metadata!.name! },
    annotations,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true }],
  };
  return pod;
}

async function eventsAbout(namespace: string, name: string): Promise<EventsV1Event[]> {
  const list = await events.listNamespacedEvent({ namespace, fieldSelector: `regarding.name=${name}` });
  return list.items;
}

describe('Kubernetes Events about admissions', () => {
  let setup: { service: ClusterService; namespace: string };
  beforeAll(async () => {
    setup = await start();
  });

  it('records Injected on the ReplicaSet that owns the pod', async () => {
    const owner = await replicaSet(setup.namespace, 'web');
    await cluster.core.createNamespacedPod({ namespace: setup.namespace, body: podOf(owner) });
    await expect.poll(() => eventsAbout(setup.namespace, 'web'), { timeout: 10_000 }).toHaveLength(1);
    const [event] = await eventsAbout(setup.namespace, 'web');
    expect(event).toMatchObject({
      type: 'Normal',
      reason: 'Injected',
      action: 'Inject',
      reportingController: 'sidecar-injector.io/injector',
      note: 'Injected sidecars log-agent into pod web-*',
      regarding: { kind: 'ReplicaSet', name: 'web', uid: owner.metadata!.uid },
    });
  });

  it('records InjectionRefused with the reason, for a pod that was never created', async () => {
    const owner = await replicaSet(setup.namespace, 'asks-for-vault');
    await expect(cluster.core.createNamespacedPod({ namespace: setup.namespace, body: podOf(owner, { 'sidecar-injector.io/sidecars': 'vault' }) })).rejects.toMatchObject({ code: 400 });
    await expect.poll(() => eventsAbout(setup.namespace, 'asks-for-vault'), { timeout: 10_000 }).toHaveLength(1);
    const [event] = await eventsAbout(setup.namespace, 'asks-for-vault');
    expect(event).toMatchObject({ type: 'Warning', reason: 'InjectionRefused', note: expect.stringContaining('unknown sidecar "vault"') });
  });

  it("records a refusal whose reason is long and not ASCII, its note cut to the apiserver's 1,024 bytes", async () => {
    const owner = await replicaSet(setup.namespace, 'asks-for-much');
    // Over 1,024 bytes, though under 1,024 characters: the apiserver counts bytes. Many names,
    // because the engine clips each one it quotes.
    const asked = Array.from({ length: 12 }, (_, index) => `ünïcödé-${index}-${'é'.repeat(50)}`).join(',');
    await expect(cluster.core.createNamespacedPod({ namespace: setup.namespace, body: podOf(owner, { 'sidecar-injector.io/sidecars': asked }) })).rejects.toMatchObject({ code: 400 });
    await expect.poll(() => eventsAbout(setup.namespace, 'asks-for-much'), { timeout: 10_000 }).toHaveLength(1);
    const [event] = await eventsAbout(setup.namespace, 'asks-for-much');
    expect(event).toMatchObject({ type: 'Warning', reason: 'InjectionRefused', note: expect.stringMatching(/^Refused pod asks-for-much-\*: unknown sidecars "ünïcödé-0-é+".*…$/u) });
    expect(Buffer.byteLength(event!.note!, 'utf8')).toBeLessThanOrEqual(1024);
  });

  it('records events about pods whose names are the longest allowed or not ASCII, under Event names the apiserver accepts', async () => {
    // 253 characters is a valid pod name; "<name>.<suffix>" would not be a valid Event name.
    const longest = `longest-${'a'.repeat(245)}`;
    const injected = await cluster.core.createNamespacedPod({ namespace: setup.namespace, body: nginxPod(longest) });
    expect(containerNames(injected)).toEqual(['nginx', 'log-agent']);
    // Mutating admission sees the name before validation refuses it: the Event must still be valid.
    const unvalidated = 'café-crème';
    await expect(cluster.core.createNamespacedPod({ namespace: setup.namespace, body: nginxPod(unvalidated) })).rejects.toMatchObject({ code: 422 });
    const about = async (name: string) => (await events.listNamespacedEvent({ namespace: setup.namespace })).items.filter((event) => event.regarding?.name === name);
    await expect.poll(() => about(longest), { timeout: 10_000 }).toHaveLength(1);
    await expect.poll(() => about(unvalidated), { timeout: 10_000 }).toHaveLength(1);
    for (const [event] of [await about(longest), await about(unvalidated)]) {
      expect(event).toMatchObject({ reason: 'Injected', regarding: { kind: 'Pod' } });
      expect(event!.metadata!.name!.length).toBeLessThanOrEqual(253);
    }
  });

  it('records nothing for a dry run', async () => {
    const owner = await replicaSet(setup.namespace, 'dry');
    await cluster.core.createNamespacedPod({ namespace: setup.namespace, body: podOf(owner), dryRun: 'All' });
    const wet = await replicaSet(setup.namespace, 'wet');
    await cluster.core.createNamespacedPod({ namespace: setup.namespace, body: podOf(wet) });
    // Events are sent in order: once the later one is there, the earlier would have been too.
    await expect.poll(() => eventsAbout(setup.namespace, 'wet'), { timeout: 10_000 }).toHaveLength(1);
    expect(await eventsAbout(setup.namespace, 'dry')).toEqual([]);
  });

  it('keeps admitting pods when it may not record events', async () => {
    const identity = await cluster.createNamespace('no-events');
    // Enough RBAC to register, none for events.
    await cluster.kubectl(['create', 'clusterrole', `${identity}-register`, '--verb=get,create,patch,list,watch', '--resource=mutatingwebhookconfigurations']);
    await cluster.kubectl(['create', 'clusterrolebinding', `${identity}-register`, `--clusterrole=${identity}-register`, `--serviceaccount=${identity}:injector`]);
    const kubeconfig = await serviceAccountKubeconfig(cluster, identity, 'injector');
    const { service, namespace } = await start({ KUBECONFIG: kubeconfig, POD_NAMESPACE: identity });
    const owner = await replicaSet(namespace, 'unrecorded');
    const pods = await Promise.all(Array.from({ length: 5 }, () => cluster.core.createNamespacedPod({ namespace, body: podOf(owner) })));
    expect(pods.map((pod) => containerNames(pod))).toEqual(Array(5).fill(['nginx', 'log-agent']));
    await expect
      .poll(() => service.logs.find((line) => line['msg'] === 'cannot record Kubernetes events (admissions are unaffected)'), { timeout: 10_000 })
      .toMatchObject({
        reason: expect.stringMatching(/^403: /),
      });
  });
});
