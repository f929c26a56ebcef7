import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../injection/kubernetes-types.ts';
import { findPodLocations, formatPath } from './pod-locations.ts';

const template = { spec: { containers: [{ name: 'a', image: 'b' }] } };

describe(findPodLocations.name, () => {
  it.each([
    ['v1', 'Pod', []],
    ['apps/v1', 'Deployment', ['spec', 'template']],
    ['apps/v1', 'StatefulSet', ['spec', 'template']],
    ['apps/v1', 'DaemonSet', ['spec', 'template']],
    ['apps/v1', 'ReplicaSet', ['spec', 'template']],
    ['v1', 'ReplicationController', ['spec', 'template']],
    ['v1', 'PodTemplate', ['template']],
    ['batch/v1', 'Job', ['spec', 'template']],
    ['batch/v1', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template']],
  ])('finds the pod of a %s %s', (apiVersion, kind, path) => {
    const [location] = findPodLocations({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns' } } as JsonValue);
    expect(location).toMatchObject({ path, isTemplate: kind !== 'Pod', owner: { kind, name: 'x', namespace: 'ns' } });
  });

  it('passes by kinds of other groups and objects without a pod', () => {
    expect(findPodLocations({ apiVersion: 'example.com/v1', kind: 'Deployment', spec: { template } })).toEqual([]);
    expect(findPodLocations({ apiVersion: 'v1', kind: 'Service' })).toEqual([]);
    expect(findPodLocations('just a string')).toEqual([]);
    expect(findPodLocations(null)).toEqual([]);
  });

  it('descends into List items', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template } },
      ],
    };
    const locations = findPodLocations(list);
    expect(locations.map((location) => formatPath(location.path))).toEqual(['items[1].spec.template']);
    expect(locations[0]!.value).toEqual(template);
  });

  it('stops descending at a bounded depth', () => {
    let nested: JsonValue = { apiVersion: 'v1', kind: 'Pod', spec: template.spec };
    for (let depth = 0; depth < 10; depth++) nested = { apiVersion: 'v1', kind: 'List', items: [nested] };
    expect(findPodLocations(nested)).toEqual([]);
  });
});
