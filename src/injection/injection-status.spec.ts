import { describe, expect, it } from 'vitest';
import { STATUS_KEY } from './annotations.ts';
import { formatInjectionStatus, parseInjectionStatus } from './injection-status.ts';

describe(parseInjectionStatus.name, () => {
  it('reads back what formatInjectionStatus wrote', () => {
    const status = { sidecars: { 'log-agent': 'abc123', proxy: 'def456' } };
    expect(parseInjectionStatus({ [STATUS_KEY]: formatInjectionStatus(status) })).toEqual(status);
  });

  it('reads back parameters, with their types', () => {
    const status = { sidecars: { 'log-agent': 'abc123' }, parameters: { 'log-agent': { cpu: '250m', port: 9000, verbose: true } } };
    expect(parseInjectionStatus({ [STATUS_KEY]: formatInjectionStatus(status) })).toEqual(status);
  });

  it('writes the original format when no sidecar has parameters, and still reads it', () => {
    expect(formatInjectionStatus({ sidecars: { a: 'h' }, parameters: {} })).toBe('{"sidecars":{"a":"h"}}');
    expect(parseInjectionStatus({ [STATUS_KEY]: '{"sidecars":{"a":"h"}}' })).toEqual({ sidecars: { a: 'h' } });
  });

  it.each([
    ['parameters as a list', { [STATUS_KEY]: '{"sidecars":{"a":"h"},"parameters":[]}' }],
    ['a parameter that is an object', { [STATUS_KEY]: '{"sidecars":{"a":"h"},"parameters":{"a":{"x":{}}}}' }],
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
