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

  it('parses set-based terms, as kubectl does', () => {
    expect(parseLabelSelector('env in (prod,staging), tier notin (x), team in ( a , b ,a)')).toEqual({
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'tier', operator: 'NotIn', values: ['x'] },
        { key: 'team', operator: 'In', values: ['a', 'b'] },
      ],
    });
  });

  it('reads spacing and the empty value as kubectl does', () => {
    expect(parseLabelSelector('  a = b ,! c,d in(e),f=,g in (h,)')).toEqual({
      matchLabels: { a: 'b', f: '' },
      matchExpressions: [
        { key: 'c', operator: 'DoesNotExist' },
        { key: 'd', operator: 'In', values: ['e'] },
        { key: 'g', operator: 'In', values: ['h', ''] },
      ],
    });
  });

  it('keeps both of two equalities on one key (which no namespace can meet, as the apiserver would read it)', () => {
    expect(parseLabelSelector('a=b,a=c')).toEqual({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['c'] }] });
  });

  it("accepts keys and values at the apiserver's limits", () => {
    const prefix = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(prefix).toHaveLength(253);
    const key = `${prefix}/${'n'.repeat(63)}`;
    expect(parseLabelSelector(`${key}=${'v'.repeat(63)}`)).toEqual({ matchLabels: { [key]: 'v'.repeat(63) } });
  });

  it.each([
    ['', /empty selector/],
    ['a=b,,c=d', /empty term/],
    ['a=b,', /empty term/],
    ['Bad Key=x', /"Key" after label key "Bad"/],
    ['a=b c', /"c" where "," or the end was expected/],
    ['!a=b', /"=" where "," or the end was expected/],
    [`a=${'x'.repeat(64)}`, /label value "x{64}": at most 63 characters/],
    ['a=-x', /label value "-x"/],
    [`${'n'.repeat(64)}`, /the name must be 1 to 63 characters/],
    [`${'p'.repeat(254)}/n`, /the prefix must be a DNS subdomain of at most 253 characters/],
    ['Example.com/n', /the prefix must be a DNS subdomain/],
    ['/n', /the prefix must be a DNS subdomain/],
    ['p/', /the name must be 1 to 63 characters/],
    ['a/b/c', /the name must be/],
    ['env in prod', /must be followed by a parenthesised list of values/],
    ['env in (prod', /lack a closing "\)"/],
    ['env in ()', /"env in \(\)" has no values/],
    ['env notin (a b)', /lack a closing "\)"/],
    ['env in (a,-b)', /label value "-b"/],
    ['replicas > 1', /no numeric comparisons/],
    ['env=(x)', /"\(" where "," or the end was expected/],
    ['env exists', /"exists" after label key "env"/],
    ['=x', /"=" where a label key was expected/],
    ['a=b\u00e9', /label value "b\u00e9"/],
  ])('rejects %j in one line saying why', (text, why) => {
    const problem = parseLabelSelector(text);
    expect(typeof problem).toBe('string');
    expect(problem).toMatch(why);
    expect(problem).not.toContain('\n');
  });
});
