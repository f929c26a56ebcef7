import { EventsV1Api, type EventsV1Event, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInjectionStatus } from '../../src/injection/injection-status.ts';
import { testCluster } from '../control-plane/test-cluster.ts';
import { startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../support/cluster-service.ts';
import { FIXTURE_SIDECARS } from '../support/golden-cases.ts';
import { kubectlAsAuthor, kubectlWarnings, type KubectlRun } from '../support/kubectl-author.ts';

const cluster = testCluster();
const events = cluster.kubeConfig.makeApiClient(EventsV1Api);

function kubectl(args: readonly string[], input: string): Promise<KubectlRun> {
  return kubectlAsAuthor(cluster.info.kubeconfigPath, args, input);
}

function podManifest(name: string, namespace: string, annotations: Record<string, string>, containers: V1Container[] = [{ name: 'web', image: 'nginx' }]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, annotations }, spec: { containers } });
}

/**
 * Issue 15's templates and issue 11's warnings through the whole chain: the registered
 * webhook, the real apiserver that applies its patch and relays its warnings, and kubectl.
 */
describe('templates an operator governs, on the real apiserver', () => {
  let service: ClusterService;
  let namespace: string;

  beforeAll(async () => {
    service = await startClusterService(cluster, { SIDECAR_CONFIG: FIXTURE_SIDECARS });
    await waitUntilReady(service);
    namespace = await cluster.createNamespace('governed', { [service.selector.key]: service.selector.value });
    await waitUntilInjecting(cluster, namespace);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('stores the parameters a pod set, typed, and records them in the status annotation', async () => {
    const annotations = { 'sidecar-injector.io/sidecars': 'tuned-agent', 'sidecar-injector.io/params.tuned-agent.port': '8080', 'sidecar-injector.io/params.tuned-agent.cpu': '250m' };
    const result = await kubectl(['create', '-o', 'json', '-f', '-'], podManifest('tuned', namespace, annotations));
    expect(result.code, result.stderr).toBe(0);
    const pod = JSON.parse(result.stdout) as V1Pod;
    const agent = pod.spec!.containers.find((container) => container.name === 'tuned-agent')!;
    expect(agent.ports).toEqual([{ name: 'agent-http', containerPort: 8080, protocol: 'TCP' }]);
    expect(agent.resources).toEqual({ requests: { cpu: '250m' }, limits: { cpu: '250m' } });
    expect(parseInjectionStatus(pod.metadata!.annotations)?.parameters).toEqual({ 'tuned-agent': { cpu: '250m', level: 'info', port: 8080, readOnly: true } });
    expect(kubectlWarnings(result.stderr)).toEqual([]);
  });

  it("refuses a required sidecar's bad parameter with a message naming the annotation", async () => {
    const annotations = { 'sidecar-injector.io/sidecars': 'tuned-agent', 'sidecar-injector.io/params.tuned-agent.cpu': '2' };
    const result = await kubectl(['create', '-f', '-'], podManifest('too-much', namespace, annotations));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('annotation sidecar-injector.io/params.tuned-agent.cpu: 2 is above the maximum 1 (allowed: a quantity from 10m to 1)');
  });

  it("prints the webhook's warnings to the pod's author, and the pod is admitted as the warnings say", async () => {
    const annotations = { 'sidecar-injector.io/sidecars': 'log-agent, statsd', 'sidecar-injector.io/params.statsd.port': 'eighty' };
    const result = await kubectl(['create', '-o', 'json', '-f', '-'], podManifest('warned', namespace, annotations, [{ name: 'web', image: 'nginx', env: [{ name: 'LOG_DIR', value: '/srv/logs' }] }]));
    expect(result.code, result.stderr).toBe(0);
    expect(kubectlWarnings(result.stderr)).toEqual([
      'annotation sidecar-injector.io/params.statsd.port: "eighty" is not an integer; the default 8125 was used',
      'container "web" sets LOG_DIR already; sidecar "log-agent" did not add its own',
    ]);
    const pod = JSON.parse(result.stdout) as V1Pod;
    expect(pod.spec!.containers.find((container) => container.name === 'statsd')!.ports).toEqual([{ containerPort: 8125, protocol: 'UDP' }]);
  });

  it('leaves an optional sidecar out of a pod that clashes with it: a warning for the author, an Event for the operator', async () => {
    const annotations = { 'sidecar-injector.io/sidecars': 'log-agent, statsd' };
    const result = await kubectl(
      ['create', '-o', 'json', '-f', '-'],
      podManifest('own-statsd', namespace, annotations, [
        { name: 'web', image: 'nginx' },
        { name: 'statsd', image: 'example.com/own-statsd:2' },
      ]),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(kubectlWarnings(result.stderr)).toEqual(['sidecar "statsd" (optional) left out: the pod already has a container named "statsd" (in spec.containers)']);
    const pod = JSON.parse(result.stdout) as V1Pod;
    expect(pod.spec!.containers.map((container) => container.name)).toEqual(['web', 'statsd', 'log-agent']);
    const recorded = async (): Promise<EventsV1Event[]> => (await events.listNamespacedEvent({ namespace, fieldSelector: 'regarding.name=own-statsd' })).items;
    await expect.poll(recorded, { timeout: 10_000 }).toHaveLength(1);
    expect((await recorded())[0]).toMatchObject({ type: 'Warning', reason: 'SidecarDropped', note: expect.stringContaining('left out optional sidecars statsd (the pod already has a container named "statsd"') });
  });

  it('refuses a template a pod asks for outside the namespaces it may be used in', async () => {
    const result = await kubectl(['create', '--dry-run=server', '-f', '-'], podManifest('elsewhere', namespace, { 'sidecar-injector.io/sidecars': 'team-agent' }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`sidecar "team-agent" may not be used in namespace "${namespace}" (allowed: team-a, platform-*)`);
  });

  it('keeps each warning within what Kubernetes asks (120 characters) and the total within budget', async () => {
    const annotations: Record<string, string> = { 'sidecar-injector.io/sidecars': 'statsd' };
    // Forty unknown parameters: forty warnings, more than the budget allows.
    for (let index = 0; index < 40; index++) annotations[`sidecar-injector.io/params.statsd.unknown-parameter-${index}`] = 'x';
    const result = await kubectl(['create', '--dry-run=server', '-f', '-'], podManifest('chatty', namespace, annotations));
    expect(result.code, result.stderr).toBe(0);
    const warnings = kubectlWarnings(result.stderr);
    expect(warnings.length).toBeGreaterThan(3);
    expect(warnings.length).toBeLessThan(40);
    for (const warning of warnings) expect([...warning].length).toBeLessThanOrEqual(120);
    expect(warnings.join('').length).toBeLessThanOrEqual(1024);
    expect(warnings.at(-1)).toMatch(/^\d+ more sidecar-injector warnings not shown$/);
  });
});
