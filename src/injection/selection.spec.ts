import { describe, expect, it } from 'vitest';
import type { Pod } from './kubernetes-types.ts';
import { parseSidecarConfig } from './sidecar-config-parser.ts';
import { selectSidecars } from './selection.ts';

const config = parseSidecarConfig('sidecars:\n  - { name: a, default: true }\n  - { name: b }\n  - { name: c, default: true }\n');
const pod = (annotations: Record<string, string> = {}, labels: Record<string, string> = {}): Pod => ({
  metadata: { name: 'p', annotations, labels },
  spec: { containers: [{ name: 'app' }] },
});

describe(selectSidecars.name, () => {
  it('chooses the default sidecars, in file order, when the pod does not choose', () => {
    expect(selectSidecars(pod(), config)).toEqual({ kind: 'sidecars', names: ['a', 'c'], chosen: false });
  });

  it('takes the pod choice trimmed and without repeats, in the file order whatever order the pod names them', () => {
    expect(selectSidecars(pod({ 'sidecar-injector.io/sidecars': ' c ,b,a,b,' }), config)).toEqual({ kind: 'sidecars', names: ['a', 'b', 'c'], chosen: true });
  });

  it.each(['false', 'FALSE', ' False '])('honours the opt-out %j from an annotation or a label', (value) => {
    expect(selectSidecars(pod({ 'sidecar-injector.io/inject': value }), config)).toMatchObject({ kind: 'none', reason: 'opted-out' });
    expect(selectSidecars(pod({}, { 'sidecar-injector.io/inject': value }), config)).toMatchObject({ kind: 'none', reason: 'opted-out' });
  });

  it('treats inject: "true" as no opt-out', () => {
    expect(selectSidecars(pod({ 'sidecar-injector.io/inject': 'true' }), config)).toMatchObject({ kind: 'sidecars' });
  });

  it('names every unknown sidecar and lists the known ones', () => {
    expect(selectSidecars(pod({ 'sidecar-injector.io/sidecars': 'a,x,y' }), config)).toEqual({
      kind: 'unknown',
      message: 'unknown sidecars "x", "y" in annotation sidecar-injector.io/sidecars; known sidecars: a, b, c',
    });
  });

  it('injects nothing when there are no defaults and no choice', () => {
    const noDefaults = parseSidecarConfig('sidecars:\n  - { name: b }\n');
    expect(selectSidecars(pod(), noDefaults)).toMatchObject({ kind: 'none', reason: 'nothing-selected' });
  });

  it('skips a pod that already carries the status annotation, whatever else it asks', () => {
    expect(selectSidecars(pod({ 'sidecar-injector.io/status': '{}', 'sidecar-injector.io/sidecars': 'zzz' }), config)).toMatchObject({
      kind: 'none',
      reason: 'already-injected',
    });
  });
});
