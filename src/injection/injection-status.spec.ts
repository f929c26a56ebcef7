import { describe, expect, it } from 'vitest';
import { STATUS_KEY } from './annotations.ts';
import { formatInjectionStatus, parseInjectionStatus } from './injection-status.ts';

describe(parseInjectionStatus.name, () => {
  it('reads back what formatInjectionStatus wrote', () => {
    const status = { sidecars: { 'log-agent': 'abc123', proxy: 'def456' } };
    expect(parseInjectionStatus({ [STATUS_KEY]: formatInjectionStatus(status) })).toEqual(status);
  });

  it.each([
    ['absent', {}],
    ['not JSON', { [STATUS_KEY]: '{"sidecars":' }],
    ['no sidecars map', { [STATUS_KEY]: '{"other":1}' }],
    ['sidecars as a list', { [STATUS_KEY]: '{"sidecars":["a"]}' }],
    ['a hash that is not a string', { [STATUS_KEY]: '{"sidecars":{"a":1}}' }],
    ['null', { [STATUS_KEY]: 'null' }],
  ])('is undefined when the annotation is %s', (_, annotations) => {
    expect(parseInjectionStatus(annotations)).toBeUndefined();
  });
});
