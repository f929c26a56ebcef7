import { describe, expect, it } from 'vitest';
import { loadFixtureConfig, loadGoldenCases } from '../../test/support/golden-cases.ts';
import type { AdmissionRequest } from './admission-review.ts';
import { decideInjection } from './injector.ts';
import { serializePatch } from './patch-serializer.ts';
import { SYSTEM_NAMESPACES } from './protected-namespaces.ts';

describe(serializePatch.name, () => {
  const config = loadFixtureConfig();
  const policy = { protectedNamespaces: new Set(SYSTEM_NAMESPACES) };

  it('writes exactly what JSON.stringify writes, for every patch of the golden corpus, twice (cached)', () => {
    let patches = 0;
    for (const { review } of loadGoldenCases()) {
      const decision = decideInjection(review.request as unknown as AdmissionRequest, config, policy);
      if (decision.outcome !== 'injected') continue;
      patches += 1;
      expect(serializePatch(decision.patch)).toBe(JSON.stringify(decision.patch));
      expect(serializePatch(decision.patch)).toBe(JSON.stringify(decision.patch));
    }
    expect(patches).toBeGreaterThan(10);
  });

  it('escapes paths and values as JSON does', () => {
    const patch = [{ op: 'add' as const, path: '/metadata/annotations/a~1"b', value: { quote: '"\\\n', list: [Object.freeze({ name: 'x' })] } }];
    expect(serializePatch(patch)).toBe(JSON.stringify(patch));
  });
});
