import { describe, expect, it } from 'vitest';
import type { JsonValue } from './kubernetes-types.ts';
import { findPodShapeProblem } from './pod-shape.ts';

const pod = (metadata: JsonValue, spec: Record<string, JsonValue> = {}): JsonValue => ({ metadata, spec: { containers: [{ name: 'app' }], ...spec } });

describe(findPodShapeProblem.name, () => {
  it('accepts the strings templates render, absent or null alike', () => {
    expect(findPodShapeProblem(pod({ name: 'web', generateName: null }, { serviceAccountName: 'web' }))).toBeUndefined();
    expect(findPodShapeProblem(pod({}))).toBeUndefined();
  });

  it('refuses a name, generateName or service account that is not a string, which templates would print as garbage or fail on', () => {
    expect(findPodShapeProblem(pod({ name: { toString: 1 } }))).toBe('metadata.name must be a string');
    expect(findPodShapeProblem(pod({ generateName: 7 }))).toBe('metadata.generateName must be a string');
    expect(findPodShapeProblem(pod({}, { serviceAccountName: ['a'] }))).toBe('spec.serviceAccountName must be a string');
  });
});
