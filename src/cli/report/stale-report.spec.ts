import { describe, expect, it } from 'vitest';
import { rolloutAdvice } from './owner.ts';
import { reportTable } from './report-output.ts';
import { groupStalePods } from './stale-report.ts';

const outdated = { kind: 'outdated' as const, sidecar: 'log-agent', injectedHash: 'aaaaaaaaaaaa', currentHash: 'bbbbbbbbbbbb' };
const missing = { kind: 'not-injected' as const, sidecars: ['log-agent'] };

describe(groupStalePods.name, () => {
  it('groups by namespace and owner, sorted, with the command that restarts each group', () => {
    const groups = groupStalePods([
      { namespace: 'shop', name: 'web-2', owner: { kind: 'Deployment', name: 'web' }, findings: [outdated] },
      { namespace: 'ops', name: 'debug', owner: { kind: 'Pod', name: 'debug' }, findings: [missing] },
      { namespace: 'shop', name: 'web-1', owner: { kind: 'Deployment', name: 'web' }, findings: [missing] },
    ]);
    expect(groups.map((group) => [group.namespace, group.owner.name, group.pods.map((pod) => pod.name), group.advice.command])).toEqual([
      ['ops', 'debug', ['debug'], 'kubectl delete pod -n ops debug'],
      ['shop', 'web', ['web-1', 'web-2'], 'kubectl rollout restart deployment/web -n shop'],
    ]);
  });

  it("says in the table how many of a group's pods each finding concerns", () => {
    const groups = groupStalePods([
      { namespace: 'shop', name: 'web-1', owner: { kind: 'Deployment', name: 'web' }, findings: [outdated] },
      { namespace: 'shop', name: 'web-2', owner: { kind: 'Deployment', name: 'web' }, findings: [missing] },
    ]);
    const table = reportTable({ webhook: 'w', templates: { source: 's', hash: 'h' }, checked: { namespaces: 1, pods: 2 }, stalePods: 2, groups });
    expect(table).toContain('outdated log-agent (injected aaaaaaaaaaaa, now bbbbbbbbbbbb) [1 of 2]; not injected (would get log-agent) [1 of 2]');
  });
});

describe(reportTable.name, () => {
  it("says below the table what a group's new pods would meet, and points to it from the command", () => {
    const notAllowed = { kind: 'namespace-not-allowed' as const, sidecar: 'team-agent', namespace: 'shop', allowed: ['team-*'] };
    const replacement = { refused: 'sidecar "team-agent" may not be used in namespace "shop" (allowed: team-*)', dropped: [], warnings: [] };
    const warned = { dropped: [{ name: 'statsd', reason: 'may not be used in namespace "shop" (allowed: team-*)' }], warnings: ['annotation sidecar-injector.io/params.x.y ignored'] };
    const groups = groupStalePods([
      { namespace: 'shop', name: 'web-1', owner: { kind: 'Deployment', name: 'web' }, findings: [notAllowed], replacement },
      { namespace: 'shop', name: 'web-2', owner: { kind: 'Deployment', name: 'web' }, findings: [notAllowed], replacement },
      { namespace: 'shop', name: 'job-1', owner: { kind: 'Job', name: 'job' }, findings: [outdated], replacement: warned },
      { namespace: 'shop', name: 'job-2', owner: { kind: 'Job', name: 'job' }, findings: [outdated] },
    ]);
    expect(groups[0]!.pods[0]).toEqual({ name: 'web-1', findings: [notAllowed], replacement });
    const table = reportTable({ webhook: 'w', templates: { source: 's', hash: 'h' }, checked: { namespaces: 1, pods: 4 }, stalePods: 4, groups }).split('\n');
    expect(table[2]).toMatch(/^shop\s+Job\/job\s+2\s+outdated log-agent \(injected aaaaaaaaaaaa, now bbbbbbbbbbbb\)\s+kubectl delete pod -n shop job-1 job-2   # its Job replaces deleted pods; see below$/);
    expect(table[1]).toMatch(/^shop\s+Deployment\/web\s+2\s+team-agent no longer allowed in namespace shop \(allowed: team-\*\)\s+kubectl rollout restart deployment\/web -n shop   # new pods would be refused: see below$/);
    expect(table.slice(3, 11)).toEqual([
      '',
      'Before restarting Deployment/web in shop: a new pod',
      '  would be refused: sidecar "team-agent" may not be used in namespace "shop" (allowed: team-*)',
      'Before restarting Job/job in shop: a new pod',
      '  would go without statsd (optional): may not be used in namespace "shop" (allowed: team-*) [1 of 2]',
      '  would be warned: annotation sidecar-injector.io/params.x.y ignored [1 of 2]',
      '',
      '4 stale pods in 2 groups; checked 4 pods that w selects, in 1 namespace, against s (hash h)',
    ]);
  });
});

describe(rolloutAdvice.name, () => {
  it('rolls Deployments, StatefulSets and DaemonSets, and deletes the pods of other controllers', () => {
    expect(rolloutAdvice('ns', { kind: 'DaemonSet', name: 'agent' }, ['agent-x']).command).toBe('kubectl rollout restart daemonset/agent -n ns');
    expect(rolloutAdvice('ns', { kind: 'Job', name: 'backup' }, ['backup-b', 'backup-a'])).toEqual({ command: 'kubectl delete pod -n ns backup-a backup-b', note: 'its Job replaces deleted pods' });
  });
});
