import { describe, expect, it } from 'vitest';
import { formatInjectionStatus } from '../../injection/injection-status.ts';
import { parseSidecarConfig } from '../../injection/sidecar-config-parser.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { findPodProblems, isLive, type StoredPod } from './pod-findings.ts';

const config = parseSidecarConfig(`sidecars:
  - name: log-agent
    default: true
    containers: [{ name: log-agent, image: busybox:1.37 }]
  - name: proxy
    containers: [{ name: proxy, image: envoy:1 }]
`);
const policy = cliInjectionPolicy('sidecar-injector');
const hash = (name: string) => config.sidecars.get(name)!.hash;

function pod(annotations?: Record<string, string>, namespace = 'shop'): StoredPod {
  return { metadata: { name: 'p', namespace, ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: 'app', image: 'app' }] } } as StoredPod;
}

describe(findPodProblems.name, () => {
  it("finds nothing wrong with a pod injected from today's templates", () => {
    expect(findPodProblems(pod({ 'sidecar-injector.io/status': formatInjectionStatus({ sidecars: { 'log-agent': hash('log-agent') } }) }), config, policy)).toEqual([]);
  });

  it('names the sidecars a never-injected pod would get now', () => {
    expect(findPodProblems(pod(), config, policy)).toEqual([{ kind: 'not-injected', sidecars: ['log-agent'] }]);
    expect(findPodProblems(pod({ 'sidecar-injector.io/sidecars': 'proxy' }), config, policy)).toEqual([{ kind: 'not-injected', sidecars: ['proxy'] }]);
  });

  it('does not list a never-injected pod the webhook would leave alone (opted out, protected namespace)', () => {
    expect(findPodProblems(pod({ 'sidecar-injector.io/inject': 'false' }), config, policy)).toEqual([]);
    expect(findPodProblems(pod(undefined, 'kube-system'), config, policy)).toEqual([]);
    expect(findPodProblems(pod(undefined, 'sidecar-injector'), config, policy)).toEqual([]);
  });

  it('tells an outdated sidecar from a removed one', () => {
    const status = formatInjectionStatus({ sidecars: { 'log-agent': '000000000000', metrics: '111111111111' } });
    expect(findPodProblems(pod({ 'sidecar-injector.io/status': status }), config, policy)).toEqual([
      { kind: 'outdated', sidecar: 'log-agent', injectedHash: '000000000000', currentHash: hash('log-agent') },
      { kind: 'removed', sidecar: 'metrics', injectedHash: '111111111111' },
    ]);
  });

  it('names the sidecars an injected pod lacks that a new pod would get: one made default since', () => {
    const later = parseSidecarConfig(`sidecars:
  - name: log-agent
    default: true
    containers: [{ name: log-agent, image: busybox:1.37 }]
  - name: proxy
    default: true
    containers: [{ name: proxy, image: envoy:1 }]
  - name: stats
    default: true
    required: false
    namespaces: [team-*]
    containers: [{ name: stats, image: statsd:1 }]
`);
    const injectedWithLogAgent = { 'sidecar-injector.io/status': formatInjectionStatus({ sidecars: { 'log-agent': hash('log-agent') } }) };
    // stats is default too, but optional and not allowed in shop: a new pod goes without it as well.
    expect(findPodProblems(pod(injectedWithLogAgent), later, policy)).toEqual([{ kind: 'missing', sidecars: ['proxy'] }]);
    expect(findPodProblems(pod(injectedWithLogAgent, 'team-a'), later, policy)).toEqual([{ kind: 'missing', sidecars: ['proxy', 'stats'] }]);
    // The pod's own choice of sidecars, not the defaults, decides what it should carry.
    expect(findPodProblems(pod({ ...injectedWithLogAgent, 'sidecar-injector.io/sidecars': 'log-agent' }), later, policy)).toEqual([]);
    // Opted out since: a new pod would get nothing, so nothing is missing.
    expect(findPodProblems(pod({ ...injectedWithLogAgent, 'sidecar-injector.io/inject': 'false' }), later, policy)).toEqual([]);
  });

  it('flags a status annotation it cannot read', () => {
    expect(findPodProblems(pod({ 'sidecar-injector.io/status': 'injected' }), config, policy)).toEqual([{ kind: 'unreadable-status' }]);
  });
});

describe(isLive.name, () => {
  it('skips pods that are finished or being deleted', () => {
    expect(isLive({ metadata: { name: 'a', namespace: 'b' }, status: { phase: 'Running' } })).toBe(true);
    expect(isLive({ metadata: { name: 'a', namespace: 'b' }, status: { phase: 'Succeeded' } })).toBe(false);
    expect(isLive({ metadata: { name: 'a', namespace: 'b' }, status: { phase: 'Failed' } })).toBe(false);
    expect(isLive({ metadata: { name: 'a', namespace: 'b', deletionTimestamp: '2026-01-01T00:00:00Z' } })).toBe(false);
  });
});
