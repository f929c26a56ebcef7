import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../injection/sidecar-config-parser.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { injectManifest } from './inject-manifest.ts';
import { parseManifest } from './parse-manifest.ts';

const config = parseSidecarConfig(readFileSync(new URL('../../../test/fixtures/sidecars.yaml', import.meta.url), 'utf8'));
const options = { config, policy: cliInjectionPolicy('sidecar-injector'), namespace: undefined };

describe(injectManifest.name, () => {
  it('creates the metadata a template lacks, and annotations under it', () => {
    const manifest = parseManifest('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: null\n    spec:\n      containers: [{name: web, image: nginx}]\n', 'm.yaml');
    const [outcome] = injectManifest(manifest, options);
    expect(outcome!.decision.outcome).toBe('injected');
    const output = [...parseManifest(manifest.render(), 'out.yaml').documents()][0]!.value as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(output.spec.template.metadata.annotations['sidecar-injector.io/status']).toContain('log-agent');
  });

  it("gives a Pod without metadata the whole metadata the webhook's patch adds", () => {
    const manifest = parseManifest('{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"b"}]}}', 'pod.json');
    injectManifest(manifest, options);
    const pod = JSON.parse(manifest.render()) as { metadata: { annotations: Record<string, string> }; spec: { containers: { name: string }[] } };
    expect(Object.keys(pod.metadata.annotations)).toContain('sidecar-injector.io/status');
    expect(pod.spec.containers.map((container) => container.name)).toEqual(['a', 'log-agent']);
  });

  it("renders a template's pod name as the controller's generateName, and -n as its namespace", () => {
    const manifest = parseManifest('apiVersion: batch/v1\nkind: Job\nmetadata: {name: backup}\nspec:\n  template:\n    spec:\n      containers: [{name: b, image: b}]\n', 'job.yaml');
    injectManifest(manifest, { ...options, namespace: 'ops' });
    const job = [...parseManifest(manifest.render(), 'out.yaml').documents()][0]!.value as { spec: { template: { spec: { containers: { name: string; args?: string[] }[] } } } };
    expect(job.spec.template.spec.containers.find((container) => container.name === 'log-agent')!.args).toEqual(['--pod=backup-', '--namespace=ops']);
  });

  it('reports a refusal with the document and field, and leaves that pod alone', () => {
    const text =
      '---\nkind: ConfigMap\napiVersion: v1\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, annotations: {sidecar-injector.io/sidecars: nope}}\n  spec: {containers: [{name: a, image: b}]}\n';
    const manifest = parseManifest(text, 'r.yaml');
    const [outcome] = injectManifest(manifest, options);
    expect(outcome).toMatchObject({ document: 2, field: 'items[0]', object: 'Pod p', decision: { outcome: 'refused', reason: 'unknown-sidecar' } });
    expect(manifest.render()).toBe(text);
  });
});
