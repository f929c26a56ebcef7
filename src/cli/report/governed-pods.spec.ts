import { describe, expect, it } from 'vitest';
import { decideInjection } from '../../injection/injector.ts';
import type { JsonValue, Pod } from '../../injection/kubernetes-types.ts';
import { parseSidecarConfig } from '../../injection/sidecar-config-parser.ts';
import type { SidecarConfig } from '../../injection/sidecar-config.ts';
import { applyPatchToObject } from '../manifests/apply-patch.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { findPodProblems, type StoredPod } from './pod-findings.ts';
import { describeReplacement, previewReplacement } from './replacement-preview.ts';

/** Templates an operator governs (parameters, optional sidecars, namespaces), before and after an edit. */
const BEFORE = `sidecars:
  - name: tuned
    parameters:
      cpu: { type: quantity, default: 100m, max: "1" }
    containers: [{ name: tuned, image: tuned:1, resources: { requests: { cpu: "{{ params.cpu }}" } } }]
  - name: team
    namespaces: [shop, "team-*"]
    containers: [{ name: team, image: team:1 }]
  - name: stats
    required: false
    parameters:
      port: { type: integer, default: 8125, max: 65535 }
    containers: [{ name: stats, image: stats:1, ports: [{ containerPort: "{{ params.port }}" }] }]
`;
/** The edit: tuned's maximum lowered, team no longer for shop, stats' port bounded and stats limited to team-*. */
const AFTER = BEFORE.replace('max: "1"', 'max: 500m').replace('namespaces: [shop, "team-*"]', 'namespaces: ["team-*"]').replace('max: 65535 }', 'max: 9000 }');
const before = parseSidecarConfig(BEFORE);
const after = parseSidecarConfig(AFTER);
const policy = cliInjectionPolicy('sidecar-injector');

/** A pod as the webhook stored it under `config`: injected by the engine itself. */
function injected(config: SidecarConfig, annotations: Record<string, string>, namespace = 'shop'): StoredPod {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abcde', generateName: 'web-', namespace, annotations }, spec: { containers: [{ name: 'web', image: 'web:1' }] } };
  const decision = decideInjection({ uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace, object: pod as JsonValue }, config, policy);
  if (decision.outcome !== 'injected') throw new Error(`the fixture pod was not injected: ${JSON.stringify(decision)}`);
  return applyPatchToObject(pod, decision.patch) as unknown as StoredPod;
}

describe('a pod injected before its template was edited', () => {
  it('is outdated when only a parameter declaration changed (the hash covers them), with the values it was rendered with', () => {
    const pod = injected(before, { 'sidecar-injector.io/sidecars': 'tuned', 'sidecar-injector.io/params.tuned.cpu': '800m' });
    expect(findPodProblems(pod, before, policy)).toEqual([]);
    expect(findPodProblems(pod, after, policy)).toEqual([{ kind: 'outdated', sidecar: 'tuned', injectedHash: before.sidecars.get('tuned')!.hash, currentHash: after.sidecars.get('tuned')!.hash, parameters: { cpu: '800m' } }]);
  });

  it('is told to need a fix before a restart when the value it set is no longer allowed for a required sidecar', () => {
    const pod = injected(before, { 'sidecar-injector.io/sidecars': 'tuned', 'sidecar-injector.io/params.tuned.cpu': '800m' });
    const preview = previewReplacement(pod, after, policy)!;
    expect(preview.refused).toBe('annotation sidecar-injector.io/params.tuned.cpu: 800m is above the maximum 500m (allowed: a quantity of at most 500m)');
    expect(describeReplacement(preview)).toEqual([`would be refused: ${preview.refused!}`]);
  });

  it('has nothing more to say when it took the default, which the new pod takes too', () => {
    const pod = injected(before, { 'sidecar-injector.io/sidecars': 'tuned' });
    expect(findPodProblems(pod, after, policy)).toMatchObject([{ kind: 'outdated', parameters: { cpu: '100m' } }]);
    expect(previewReplacement(pod, after, policy)).toBeUndefined();
  });

  it('is reported in a namespace its template no longer allows, and a new pod that chose it would be refused', () => {
    const pod = injected(before, { 'sidecar-injector.io/sidecars': 'team' });
    expect(findPodProblems(pod, after, policy)).toEqual([{ kind: 'namespace-not-allowed', sidecar: 'team', namespace: 'shop', allowed: ['team-*'] }]);
    expect(previewReplacement(pod, after, policy)?.refused).toBe('sidecar "team" may not be used in namespace "shop" (allowed: team-*)');
  });

  it('learns which optional sidecar a new pod would go without, and which of its parameters would fall back to the default', () => {
    const limited = parseSidecarConfig(AFTER.replace('    required: false\n', '    required: false\n    namespaces: ["team-*"]\n'));
    const inShop = injected(before, { 'sidecar-injector.io/sidecars': 'stats' });
    expect(findPodProblems(inShop, limited, policy)).toEqual([{ kind: 'namespace-not-allowed', sidecar: 'stats', namespace: 'shop', allowed: ['team-*'] }]);
    expect(describeReplacement(previewReplacement(inShop, limited, policy)!)).toEqual(['would go without stats (optional): may not be used in namespace "shop" (allowed: team-*)']);

    const highPort = injected(before, { 'sidecar-injector.io/sidecars': 'stats', 'sidecar-injector.io/params.stats.port': '9100' }, 'team-a');
    expect(findPodProblems(highPort, after, policy)).toMatchObject([{ kind: 'outdated', sidecar: 'stats', parameters: { port: 9100 } }]);
    expect(describeReplacement(previewReplacement(highPort, after, policy)!)).toEqual(['would be warned: annotation sidecar-injector.io/params.stats.port: 9100 is above the maximum 9000; the default 8125 was used']);
  });

  it('would be refused for choosing a sidecar that was removed', () => {
    const pod = injected(before, { 'sidecar-injector.io/sidecars': 'tuned, stats' });
    const removed = parseSidecarConfig(AFTER.slice(0, AFTER.indexOf('  - name: stats')));
    expect(findPodProblems(pod, removed, policy)).toContainEqual({ kind: 'removed', sidecar: 'stats', injectedHash: before.sidecars.get('stats')!.hash });
    expect(previewReplacement(pod, removed, policy)?.refused).toBe('unknown sidecar "stats" in annotation sidecar-injector.io/sidecars; known sidecars: tuned, team');
  });
});
