import { describe, expect, it } from 'vitest';
import { escapePointerToken, pointer } from './json-patch.ts';

describe(escapePointerToken.name, () => {
  it.each([
    ['plain', 'plain'],
    ['example.com/key', 'example.com~1key'],
    ['a~b', 'a~0b'],
    // "~1" in a key must not turn into "/" on the way back: ~ is escaped first.
    ['odd~1/key', 'odd~01~1key'],
  ])('escapes %s as %s (RFC 6901)', (token, escaped) => {
    expect(escapePointerToken(token)).toBe(escaped);
  });

  it('builds pointers from mixed tokens', () => {
    expect(pointer('metadata', 'annotations', 'sidecar-injector.io/status')).toBe('/metadata/annotations/sidecar-injector.io~1status');
    expect(pointer('spec', 'containers', 0, 'env', '-')).toBe('/spec/containers/0/env/-');
  });
});
