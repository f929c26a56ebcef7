import { describe, expect, it } from 'vitest';
import { matchesLabelSelector } from './label-selector-match.ts';

describe(matchesLabelSelector.name, () => {
  const labels = { app: 'web', tier: 'front', 'kubernetes.io/metadata.name': 'demo' };

  it("selects everything with an empty or absent selector, as the apiserver defaults a webhook's", () => {
    expect(matchesLabelSelector({}, labels)).toBe(true);
    expect(matchesLabelSelector(undefined, {})).toBe(true);
    expect(matchesLabelSelector(null, undefined)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: null, matchExpressions: null }, labels)).toBe(true);
  });

  it('requires every matchLabels pair, with the exact value', () => {
    expect(matchesLabelSelector({ matchLabels: { app: 'web', tier: 'front' } }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { app: 'web', tier: 'back' } }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchLabels: { zone: '' } }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchLabels: { zone: '' } }, { zone: '' })).toBe(true);
  });

  it('In needs the label with one of the values', () => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels)).toBe(false);
  });

  it('NotIn holds for a missing label, as in Kubernetes', () => {
    const notIn = { matchExpressions: [{ key: 'sidecar-injector.io/inject', operator: 'NotIn', values: ['false'] }] };
    expect(matchesLabelSelector(notIn, labels)).toBe(true);
    expect(matchesLabelSelector(notIn, { 'sidecar-injector.io/inject': 'true' })).toBe(true);
    expect(matchesLabelSelector(notIn, { 'sidecar-injector.io/inject': 'false' })).toBe(false);
  });

  it('Exists and DoesNotExist look at the key only', () => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });

  it('ands matchLabels with every expression', () => {
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'sidecar-injector'] },
        { key: 'tier', operator: 'Exists' },
      ],
    };
    expect(matchesLabelSelector(selector, labels)).toBe(true);
    expect(matchesLabelSelector(selector, { ...labels, 'kubernetes.io/metadata.name': 'kube-system' })).toBe(false);
  });

  it('selects nothing with an operator Kubernetes does not have', () => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, labels)).toBe(false);
  });

  it('does not mistake inherited properties for labels', () => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {})).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] }, {})).toBe(true);
  });
});
