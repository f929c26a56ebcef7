import { readFileSync } from 'node:fs';
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { beforeAll, describe, expect, it } from 'vitest';
import { parameterSettings } from '../../src/cli/validate/parameter-settings.ts';
import { DEFAULT_SIDECAR_CONFIG } from '../../src/config/app-config.ts';
import { decideInjection } from '../../src/injection/injector.ts';
import { parseSidecarConfig } from '../../src/injection/sidecar-config-parser.ts';
import { testCluster } from '../control-plane/test-cluster.ts';
import { loadGoldenCases, type Golden } from '../support/golden-cases.ts';

const cluster = testCluster();

/** Every patched pod the golden corpus holds, as the files say (not recomputed): what the webhook would have the apiserver store. */
const patchedPods = loadGoldenCases()
  .map((testCase) => ({ name: testCase.name, golden: JSON.parse(readFileSync(testCase.goldenPath, 'utf8')) as Golden }))
  .filter(({ golden }) => golden.patchedPod !== null);

/**
 * Our own patch applier and assertions only show that the patch does what we meant; the
 * apiserver decides whether what we meant is a valid pod (field types, quantities, names,
 * unique mountPaths and ports, native sidecars). Each golden patched pod is created with
 * server-side dry run, in a namespace no webhook selects, so it is judged exactly as written.
 */
describe('golden patched pods on the real apiserver', () => {
  let namespace: string;

  beforeAll(async () => {
    namespace = await cluster.createNamespace('golden');
    // The ServiceAccount admission plugin refuses a pod whose service account does not exist.
    const accounts = new Set(patchedPods.map(({ golden }) => (golden.patchedPod as V1Pod).spec?.serviceAccountName).filter((name) => name !== undefined));
    for (const name of accounts) await cluster.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  });

  it('covers the corpus', () => {
    expect(patchedPods.length).toBeGreaterThan(20);
  });

  for (const { name, golden } of patchedPods) {
    it(`accepts ${name}`, async () => {
      const pod = structuredClone(golden.patchedPod) as V1Pod;
      pod.metadata = { ...pod.metadata, namespace };
      // A pod sent without a name is refused by validation whatever the webhook does (it
      // sees such pods: mutating admission runs first); named, the rest of it is judged.
      if (!pod.metadata.name && !pod.metadata.generateName) pod.metadata.generateName = 'unnamed-';
      const created = await cluster.core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' }).catch((error: unknown) => {
        throw new Error(`the apiserver refused the golden pod of ${name}: ${error instanceof ApiException ? String(error.body) : String(error)}`);
      });
      // What we sent is what it would store (defaults aside): no field dropped or renamed.
      expect(created.spec?.containers.map((container) => container.name)).toEqual((pod.spec?.containers ?? []).map((container) => container.name));
      expect((created.spec?.initContainers ?? []).map((container) => container.name)).toEqual((pod.spec?.initContainers ?? []).map((container) => container.name));
      expect(created.metadata?.annotations).toEqual(pod.metadata?.annotations);
    });
  }
});

describe('the shipped templates (config/sidecars.yaml) on the real apiserver', () => {
  const config = parseSidecarConfig(readFileSync(DEFAULT_SIDECAR_CONFIG, 'utf8'), DEFAULT_SIDECAR_CONFIG);
  const policy = { protectedNamespaces: new Set<string>() };
  let namespace: string;
  beforeAll(async () => {
    namespace = await cluster.createNamespace('shipped');
  });

  for (const [name, sidecar] of config.sidecars) {
    // The settings validate --server tries: defaults, every bound at once, each enum value.
    for (const setting of parameterSettings(sidecar)) {
      it(`accepts a pod injected with ${name}, parameters at ${setting.label}`, async () => {
        const annotations = { 'sidecar-injector.io/sidecars': name, ...setting.annotations };
        const pod: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'shipped-', annotations }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
        const decision = decideInjection({ uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace, object: pod as never }, config, policy);
        if (decision.outcome !== 'injected') throw new Error(`not injected: ${JSON.stringify(decision)}`);
        expect(decision.warnings).toEqual([]);
        const patched = jsonpatch.applyPatch(structuredClone(pod), decision.patch as Operation[], true, false).newDocument;
        await cluster.core.createNamespacedPod({ namespace, body: patched, dryRun: 'All' });
      });
    }
  }
});
