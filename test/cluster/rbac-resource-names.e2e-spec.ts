import { randomBytes } from 'node:crypto';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../control-plane/test-cluster.ts';
import { attempt, clientsAs, emptyWebhookConfiguration, serverSideApply, statusOf, watchStatus, type IdentityClients } from '../support/api-probes.ts';
import { toYaml, type Manifest } from '../support/manifests.ts';

/**
 * What RBAC resourceNames restricts on this kube-apiserver, found by trying: k8s/rbac.yaml
 * binds the service to its own objects by name wherever these show that the binding holds.
 * A throwaway ServiceAccount gets exactly the rules under test, and an allowed call is
 * awaited before any refusal counts, so a binding not yet in force cannot pass for one.
 */
const cluster = testCluster();
const admin = cluster.kubeConfig.makeApiClient(AdmissionregistrationV1Api);

describe('what resourceNames restricts on this kube-apiserver', () => {
  const id = randomBytes(3).toString('hex');
  const name = `probe-${id}.example.io`;
  let probeNamespace: string;
  let as: IdentityClients;

  beforeAll(async () => {
    probeNamespace = await cluster.createNamespace('rbac-probe');
    as = await clientsAs(cluster, probeNamespace, 'probe');
  });

  afterAll(async () => {
    await cluster.kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', `probe=${id}`, '--ignore-not-found']);
    for (const configuration of [name, `other-${name}`]) await admin.deleteMutatingWebhookConfiguration({ name: configuration }).catch(() => undefined);
  });

  /** Binds the probe ServiceAccount to exactly these rules, replacing what it had. */
  async function grant(kind: 'ClusterRole' | 'Role', rules: unknown[]): Promise<void> {
    const scope = kind === 'Role' ? { namespace: probeNamespace } : {};
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: `probe-${id}`, labels: { probe: id }, ...scope }, rules };
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: `${kind}Binding`,
      metadata: { name: `probe-${id}`, labels: { probe: id }, ...scope },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: `probe-${id}` },
      subjects: [{ kind: 'ServiceAccount', name: 'probe', namespace: probeNamespace }],
    };
    await cluster.kubectl(['apply', '-f', '-'], { input: toYaml([role, binding] as Manifest[]) });
  }

  const mutatingWebhookConfigurations = (verbs: string[]) => ({ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: [name], verbs });

  it('server-side apply that creates a missing object is authorized as create on its name, besides patch', async () => {
    await grant('ClusterRole', [mutatingWebhookConfigurations(['get', 'patch'])]);
    await expect.poll(() => statusOf(() => as.admission.readMutatingWebhookConfiguration({ name })), { timeout: 10_000 }).toBe(404);
    const withoutCreate = await attempt(() => serverSideApply(as.objects, name));
    expect(withoutCreate.status).toBe(403);
    expect(withoutCreate.message).toMatch(/cannot create resource "mutatingwebhookconfigurations"/);

    await grant('ClusterRole', [mutatingWebhookConfigurations(['get', 'patch', 'create'])]);
    await expect.poll(() => statusOf(() => serverSideApply(as.objects, name)), { timeout: 10_000 }).toBe(200);
    expect(await statusOf(() => serverSideApply(as.objects, `other-${name}`))).toBe(403);
    // A plain create is a POST to the collection, with no name to match: even the granted name is
    // refused (403, decided before the apiserver would find that it exists).
    expect(await statusOf(() => as.admission.createMutatingWebhookConfiguration({ body: emptyWebhookConfiguration(name) }))).toBe(403);
  });

  it('list and watch honour resourceNames only when they carry a metadata.name field selector', async () => {
    await admin.createMutatingWebhookConfiguration({ body: emptyWebhookConfiguration(name) }).catch(() => undefined);
    await grant('ClusterRole', [mutatingWebhookConfigurations(['list', 'watch'])]);
    const path = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
    await expect.poll(() => statusOf(() => as.admission.listMutatingWebhookConfiguration({ fieldSelector: `metadata.name=${name}` })), { timeout: 10_000 }).toBe(200);
    expect((await as.admission.listMutatingWebhookConfiguration({ fieldSelector: `metadata.name=${name}` })).items.map((item) => item.metadata?.name)).toEqual([name]);
    expect(await statusOf(() => as.admission.listMutatingWebhookConfiguration())).toBe(403);
    expect(await statusOf(() => as.admission.listMutatingWebhookConfiguration({ fieldSelector: `metadata.name=other-${name}` }))).toBe(403);
    expect(await watchStatus(as.kubeConfig, path, `metadata.name=${name}`)).toBe(200);
    expect(await watchStatus(as.kubeConfig, path)).toBe(403);
  });

  it('a create (POST) is never matched against resourceNames: such a rule allows no create at all', async () => {
    await grant('Role', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['named'], verbs: ['get', 'create'] }]);
    await expect.poll(() => statusOf(() => as.core.readNamespacedSecret({ name: 'named', namespace: probeNamespace })), { timeout: 10_000 }).toBe(404);
    expect(await statusOf(() => as.core.createNamespacedSecret({ namespace: probeNamespace, body: { metadata: { name: 'named' } } }))).toBe(403);
  });
});
