import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector.ts';

describe(parseLabelSelector.name, () => {
  it('parses equality, inequality, existence and absence', () => {
    expect(parseLabelSelector('sidecar-injector=enabled, team==payments,env!=dev,example.com/managed,!legacy')).toEqual({
      matchLabels: { 'sidecar-injector': 'enabled', team: 'payments' },
      matchExpressions: [
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'example.com/managed', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
  });

  it.each(['', 'a=b,,c=d', 'Bad Key=x', 'a=b c', '!a=b', 'a=' + 'x'.repeat(64)])('rejects %j', (text) => {
    expect(typeof parseLabelSelector(text)).toBe('string');
  });
});
