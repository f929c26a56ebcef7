import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../../control-plane/test-cluster.ts';
import { startClusterService, waitUntilInjecting, waitUntilReady, type ClusterService } from '../../support/cluster-service.ts';
import { FIXTURE_SIDECARS } from '../../support/golden-cases.ts';
import { controllerReference, createDeploymentChain, type DeploymentChain } from '../support/owned-pods.ts';
import { runCli, type CliRun } from '../support/run-cli.ts';

/**
 * `report` against the real apiserver and the real registered webhook: pods created
 * before and after their namespace was labelled, injected from a template changed since,
 * carrying a sidecar removed since, owned through a real ReplicaSet by a Deployment or
 * by a StatefulSet; and a namespace of a few thousand pods, paged.
 */
const cluster = testCluster();
const scratch = mkdtempSync(join(tmpdir(), 'cli-report-'));
/** The templates after an operator's edit: log-agent's image bumped, metrics deleted. */
const CHANGED = join(scratch, 'changed.yaml');
/** The templates after another edit: a new default sidecar, which pods injected before lack. */
const NEW_DEFAULT = join(scratch, 'metrics-default.yaml');
const BULK_PODS = 3000;
let service: ClusterService;
let namespace: string;
let web: DeploymentChain;

interface Report {
  webhook: string;
  checked: { namespaces: number; pods: number };
  stalePods: number;
  groups: {
    namespace: string;
    owner: { kind: string; name: string };
    advice: { command: string; note?: string };
    pods: { name: string; findings: { kind: string; sidecar?: string; sidecars?: string[]; parameters?: Record<string, unknown> }[]; replacement?: { refused?: string; dropped: unknown[]; warnings: string[] } }[];
  }[];
}

beforeAll(async () => {
  const original = readFileSync(FIXTURE_SIDECARS, 'utf8');
  writeFileSync(CHANGED, original.replace('registry.example.com/log-agent:2.4.1', 'registry.example.com/log-agent:2.5.0').replace(/\n  - name: metrics\n[\s\S]*?(?=\n\n)/, ''));
  writeFileSync(NEW_DEFAULT, `${original.trimEnd()}\n  - name: audit-agent\n    default: true\n    containers: [{ name: audit-agent, image: registry.example.com/audit-agent:1.0.0 }]\n`);
  service = await startClusterService(cluster, { SIDECAR_CONFIG: FIXTURE_SIDECARS });
  await waitUntilReady(service);

  namespace = await cluster.createNamespace('cli-report');
  await cluster.kubectl(['run', 'early', '--image=registry.example.com/app:1', '-n', namespace]);
  await cluster.kubectl(['label', 'namespace', namespace, `${service.selector.key}=${service.selector.value}`]);
  await waitUntilInjecting(cluster, namespace);
  await cluster.kubectl(['run', 'fresh', '--image=registry.example.com/app:1', '-n', namespace]);
  await cluster.kubectl(['run', 'opted-out', '--image=registry.example.com/app:1', '-n', namespace, '--labels=sidecar-injector.io/inject=false']);
  web = await createDeploymentChain(cluster.kubeConfig, namespace, 'web', 2);

  const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  const statefulSet = await objects.create({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace },
    spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:17' }] } } },
  } as KubernetesObject);
  await objects.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-0', namespace, labels: { app: 'db' }, annotations: { 'sidecar-injector.io/sidecars': 'log-agent, metrics' }, ownerReferences: [controllerReference('apps/v1', 'StatefulSet', statefulSet)] },
    spec: { containers: [{ name: 'db', image: 'postgres:17' }] },
  } as KubernetesObject);
}, 120_000);

afterAll(async () => {
  await service?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function report(args: readonly string[]): Promise<CliRun> {
  return runCli(['report', '--webhook', service.webhookName, '--injector-namespace', service.config.podNamespace, ...args], { env: { KUBECONFIG: cluster.info.kubeconfigPath } });
}

function parse(run: CliRun): Report {
  expect(run.stderr).not.toContain('\r');
  return JSON.parse(run.stdout) as Report;
}

function summary(result: Report): Record<string, string[]> {
  return Object.fromEntries(
    result.groups.map((group) => [
      `${group.owner.kind}/${group.owner.name}`,
      group.pods.flatMap((pod) => pod.findings.map((finding) => `${pod.name}: ${finding.kind}${finding.sidecar ? ` ${finding.sidecar}` : ''}${finding.sidecars ? ` ${finding.sidecars.join(',')}` : ''}`)),
    ]),
  );
}

describe('sidecar-injector report', () => {
  it('with the templates the webhook serves, lists only the pod created before its namespace was selected', async () => {
    const run = await report(['-n', namespace, '--config', FIXTURE_SIDECARS, '-o', 'json']);
    expect(run.code).toBe(1);
    const result = parse(run);
    // early, fresh, db-0 and web's two pods; the opted-out pod is not the webhook's.
    expect(result.checked).toEqual({ namespaces: 1, pods: 5 });
    expect(summary(result)).toEqual({ 'Pod/early': ['early: not-injected log-agent'] });
    expect(result.groups[0]!.advice).toEqual({ command: `kubectl delete pod -n ${namespace} early`, note: 'no controller: create it again from its manifest' });
  });

  it('after a template change and a sidecar removal, groups every stale pod by the controller that restarts it', async () => {
    const run = await report(['-n', namespace, '--config', CHANGED, '-o', 'json']);
    expect(run.code).toBe(1);
    const result = parse(run);
    expect(summary(result)).toEqual({
      // Resolved through the real ReplicaSet to its Deployment.
      'Deployment/web': web.pods.map((pod) => `${pod}: outdated log-agent`),
      'Pod/early': ['early: not-injected log-agent'],
      'Pod/fresh': ['fresh: outdated log-agent'],
      'StatefulSet/db': ['db-0: outdated log-agent', 'db-0: removed metrics'],
    });
    const commands = Object.fromEntries(result.groups.map((group) => [group.owner.name, group.advice.command]));
    expect(commands['web']).toBe(`kubectl rollout restart deployment/web -n ${namespace}`);
    expect(commands['db']).toBe(`kubectl rollout restart statefulset/db -n ${namespace}`);
    expect(result.stalePods).toBe(5);
  });

  it('after a default sidecar is added, lists the injected pods that lack it, but not a pod that chose its own', async () => {
    const run = await report(['-n', namespace, '--config', NEW_DEFAULT, '-o', 'json']);
    expect(run.code).toBe(1);
    expect(summary(parse(run))).toEqual({
      'Deployment/web': web.pods.map((pod) => `${pod}: missing audit-agent`),
      'Pod/early': ['early: not-injected log-agent,audit-agent'],
      'Pod/fresh': ['fresh: missing audit-agent'],
    });
  });

  it("prints a table with the commands, and reads the templates from the injector's ConfigMap", async () => {
    const configMap = 'sidecar-templates';
    await cluster.kubectl(['create', 'configmap', configMap, '-n', service.config.podNamespace, `--from-file=sidecars.yaml=${CHANGED}`]);
    const run = await report(['-n', namespace, '--configmap', `${service.config.podNamespace}/${configMap}`]);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+OWNER\s+PODS\s+WHY\s+RESTART WITH$/);
    expect(run.stdout).toMatch(new RegExp(`${namespace}\\s+Deployment/web\\s+2\\s+outdated log-agent \\(injected \\w{12}, now \\w{12}\\)\\s+kubectl rollout restart deployment/web -n ${namespace}\\n`));
    expect(run.stdout).toContain('removed sidecar metrics (no longer in the templates)');
    expect(run.stdout).toContain(`5 stale pods in 4 groups; checked 5 pods that ${service.webhookName} selects, in 1 namespace, against configmap ${service.config.podNamespace}/${configMap}, key sidecars.yaml`);
  });

  it('exits 0 with "no stale pods" when every selected pod is current', async () => {
    const clean = await cluster.createNamespace('cli-report-clean', { [service.selector.key]: service.selector.value });
    await waitUntilInjecting(cluster, clean);
    await cluster.kubectl(['run', 'current', '--image=registry.example.com/app:1', '-n', clean]);
    const run = await report(['-n', clean, '--config', FIXTURE_SIDECARS]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^no stale pods; checked 1 pod that /);
  });

  it('with -A, looks in every namespace the webhook selects and in no other', async () => {
    const unselected = await cluster.createNamespace('cli-report-off');
    await cluster.kubectl(['run', 'never', '--image=registry.example.com/app:1', '-n', unselected]);
    const result = parse(await report(['-A', '--config', FIXTURE_SIDECARS, '-o', 'json']));
    const namespaces = new Set(result.groups.map((group) => group.namespace));
    expect(namespaces.has(namespace)).toBe(true);
    expect(namespaces.has(unselected)).toBe(false);
    expect(result.checked.namespaces).toBeGreaterThan(1);
  });

  it('says so, exit 4, when the webhook or the ConfigMap is missing or there is no kubeconfig', async () => {
    const noWebhook = await runCli(['report', '-n', namespace, '--webhook', 'absent.example.com'], { env: { KUBECONFIG: cluster.info.kubeconfigPath } });
    expect(noWebhook).toMatchObject({ code: 4, stdout: '' });
    expect(noWebhook.stderr).toContain('no MutatingWebhookConfiguration named absent.example.com');
    const noConfigMap = await report(['-n', namespace, '--configmap', 'nowhere/none']);
    expect(noConfigMap).toMatchObject({ code: 4 });
    expect(noConfigMap.stderr).toContain('no ConfigMap nowhere/none');
    const noKubeconfig = await runCli(['report'], { env: { HOME: scratch } });
    expect(noKubeconfig).toMatchObject({ code: 4 });
    expect(noKubeconfig.stderr).toContain('no KUBECONFIG, no ~/.kube/config');
  });

  it(`pages through a namespace of ${BULK_PODS} pods with limit/continue`, async () => {
    const bulk = await cluster.createNamespace('cli-report-bulk');
    // Created before the namespace is selected, so none is injected: every one is listed.
    const chain = await createDeploymentChain(cluster.kubeConfig, bulk, 'bulk', BULK_PODS);
    await cluster.kubectl(['label', 'namespace', bulk, `${service.selector.key}=${service.selector.value}`]);
    const result = parse(await report(['-n', bulk, '--config', FIXTURE_SIDECARS, '--chunk-size', '250', '-o', 'json']));
    expect(result.checked).toEqual({ namespaces: 1, pods: BULK_PODS });
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]!.owner).toEqual({ kind: 'Deployment', name: 'bulk' });
    expect(result.groups[0]!.pods.map((pod) => pod.name)).toEqual([...chain.pods].sort());
  }, 300_000);
});

/**
 * Issue 15's templates after an operator's edit: tuned-agent's cpu maximum lowered below
 * what a Deployment set, team-agent no longer for platform-*, statsd's port bounded below
 * what a pod set. The hash covers parameter declarations, so each pod is outdated; the
 * report also says what the webhook would do to the pod that replaces it.
 */
describe('sidecar-injector report on templates an operator governs', () => {
  const GOVERNED_EDIT = join(scratch, 'governed-edit.yaml');
  let platform: string;
  let tuned: DeploymentChain;

  beforeAll(async () => {
    const original = readFileSync(FIXTURE_SIDECARS, 'utf8');
    const edited = original
      .replace('cpu: { type: quantity, default: 100m, min: 10m, max: "1" }', 'cpu: { type: quantity, default: 100m, min: 10m, max: 500m }')
      .replace('namespaces: [team-a, "platform-*"]', 'namespaces: [team-a]')
      .replace('port: { type: integer, default: 8125, min: 1024, max: 65535 }', 'port: { type: integer, default: 8125, min: 1024, max: 9000 }');
    // Each edit took: the fixture still reads as this test expects.
    if (edited.match(/max: 500m|namespaces: \[team-a\]|max: 9000/g)?.length !== 3) throw new Error(`${FIXTURE_SIDECARS} no longer reads as this test edits it`);
    writeFileSync(GOVERNED_EDIT, edited);
    // team-agent may be used in platform-*: the namespace is named for it.
    platform = await cluster.createNamespace('platform-report', { [service.selector.key]: service.selector.value });
    await waitUntilInjecting(cluster, platform);
    tuned = await createDeploymentChain(cluster.kubeConfig, platform, 'tuned', 2, { annotations: { 'sidecar-injector.io/sidecars': 'tuned-agent', 'sidecar-injector.io/params.tuned-agent.cpu': '800m' } });
    await cluster.kubectl(['run', 'teamed', '--image=registry.example.com/app:1', '-n', platform, '--annotations=sidecar-injector.io/sidecars=team-agent']);
    await cluster.kubectl(['run', 'counted', '--image=registry.example.com/app:1', '-n', platform, '--annotations=sidecar-injector.io/sidecars=statsd', '--annotations=sidecar-injector.io/params.statsd.port=9100']);
  }, 120_000);

  it('sees pods injected under the templates as they were: nothing stale', async () => {
    const run = await report(['-n', platform, '--config', FIXTURE_SIDECARS]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^no stale pods; checked 4 pods that /);
  });

  it('reports parameters injected under an older template, a namespace a template no longer allows, and what a new pod would meet', async () => {
    const run = await report(['-n', platform, '--config', GOVERNED_EDIT, '-o', 'json']);
    expect(run.code).toBe(1);
    const result = parse(run);
    const pods = Object.fromEntries(result.groups.flatMap((group) => group.pods.map((pod) => [pod.name, { owner: `${group.owner.kind}/${group.owner.name}`, ...pod }])));
    expect(Object.keys(pods).sort()).toEqual(['counted', 'teamed', ...tuned.pods].sort());
    for (const name of tuned.pods) {
      expect(pods[name]).toMatchObject({
        owner: 'Deployment/tuned',
        // The values the webhook rendered with, from the status annotation it wrote.
        findings: [{ kind: 'outdated', sidecar: 'tuned-agent', parameters: { cpu: '800m', level: 'info', port: 9000, readOnly: true } }],
        replacement: { refused: 'annotation sidecar-injector.io/params.tuned-agent.cpu: 800m is above the maximum 500m (allowed: a quantity from 10m to 500m)' },
      });
    }
    expect(pods['teamed']).toMatchObject({
      findings: [{ kind: 'namespace-not-allowed', sidecar: 'team-agent', namespace: platform, allowed: ['team-a'] }],
      replacement: { refused: `sidecar "team-agent" may not be used in namespace "${platform}" (allowed: team-a)` },
    });
    expect(pods['counted']).toMatchObject({
      findings: [{ kind: 'outdated', sidecar: 'statsd', parameters: { port: 9100 } }],
      replacement: { dropped: [], warnings: ['annotation sidecar-injector.io/params.statsd.port: 9100 is above the maximum 9000; the default 8125 was used'] },
    });
  });

  it('says it in the table, and what new pods would meet below it, pointed to from the command that restarts the group', async () => {
    const run = await report(['-n', platform, '--config', GOVERNED_EDIT]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(`${platform}\\s+Deployment/tuned\\s+2\\s+outdated tuned-agent \\(injected \\w{12}, now \\w{12}\\)\\s+kubectl rollout restart deployment/tuned -n ${platform}   # new pods would be refused: see below\\n`),
    );
    expect(run.stdout).toContain(`team-agent no longer allowed in namespace ${platform} (allowed: team-a)`);
    expect(run.stdout).toContain(
      [
        `Before restarting Deployment/tuned in ${platform}: a new pod`,
        '  would be refused: annotation sidecar-injector.io/params.tuned-agent.cpu: 800m is above the maximum 500m (allowed: a quantity from 10m to 500m)',
        `Before restarting Pod/counted in ${platform}: a new pod`,
        '  would be warned: annotation sidecar-injector.io/params.statsd.port: 9100 is above the maximum 9000; the default 8125 was used',
        `Before restarting Pod/teamed in ${platform}: a new pod`,
        `  would be refused: sidecar "team-agent" may not be used in namespace "${platform}" (allowed: team-a)`,
      ].join('\n'),
    );
  });
});
