import { describe, expect, it } from 'vitest';
import { matchesGlob, readNamespaceScope } from './namespace-scope.ts';
import { Findings } from './template-fields.ts';

describe(readNamespaceScope.name, () => {
  const scope = (raw: unknown) => {
    const findings = new Findings();
    return { scope: readNamespaceScope(raw, 'namespaces', findings), errors: findings.errors };
  };

  it('allows every namespace when absent', () => {
    expect(scope(undefined)).toEqual({ scope: undefined, errors: [] });
  });

  it('allows exactly the names and the namespaces the globs match', () => {
    const { scope: allowed } = scope(['team-a', 'platform-*', 'ci-?']);
    expect(['team-a', 'platform-', 'platform-payments', 'ci-1'].filter((namespace) => allowed!.allows(namespace))).toHaveLength(4);
    expect(['team-b', 'team-a-x', 'xplatform-a', 'ci-12', 'ci-', ''].filter((namespace) => allowed!.allows(namespace))).toEqual([]);
  });

  it.each([[[]], ['team-a'], [['Team-A']], [['a/b']], [[7]], [['-a']]])('refuses %j with the field named', (raw) => {
    expect(scope(raw).errors[0]).toMatch(/^namespaces(\[\d+\])?: /);
  });
});

describe(matchesGlob.name, () => {
  it.each([
    ['*', '', true],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['**', 'x', true],
  ])('matches %j against %j: %s', (glob, text, expected) => {
    expect(matchesGlob(glob, text)).toBe(expected);
  });

  it('stays linear on a long namespace that almost matches many stars', () => {
    const glob = `${'a*'.repeat(30)}b`;
    // A backtracking regular expression takes exponential time here; the bound below is generous on purpose.
    const text = 'a'.repeat(100_000);
    expect(matchesGlob(glob, text)).toBe(false);
  });
});
