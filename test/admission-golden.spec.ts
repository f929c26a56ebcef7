import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../src/injection/admission-review.ts';
import { toAdmissionResponse } from '../src/injection/admission-response.ts';
import { STATUS_KEY } from '../src/injection/annotations.ts';
import { decideInjection } from '../src/injection/injector.ts';
import { protectedNamespaces } from '../src/injection/protected-namespaces.ts';
import type { Pod } from '../src/injection/kubernetes-types.ts';
import { applyPatch, decodePatch, FIXTURE_OWN_NAMESPACE, loadFixtureConfig, loadGoldenCases, readGolden, toGolden } from './support/golden-cases.ts';

const config = loadFixtureConfig();
const policy = { protectedNamespaces: new Set(protectedNamespaces(FIXTURE_OWN_NAMESPACE)) };

function answer(request: AdmissionRequest, apiVersion: string) {
  return { apiVersion, response: toAdmissionResponse(request.uid, decideInjection(request, config, policy)) };
}

function names(list: readonly { name: string }[] | null | undefined): string[] {
  return (list ?? []).map((item) => item.name);
}

describe('admission golden files', () => {
  for (const testCase of loadGoldenCases()) {
    describe(testCase.name, () => {
      const request = testCase.review.request as unknown as AdmissionRequest;
      const actual = toGolden(testCase.review, answer(request, testCase.review.apiVersion));

      it('matches its golden file', () => {
        const golden = readGolden(testCase, actual);
        expect(golden, `missing ${testCase.goldenPath}; run UPDATE_GOLDEN=1 npm test and review it`).toBeDefined();
        expect(actual).toEqual(golden);
      });

      it('echoes the uid in the review version it was asked in', () => {
        expect(actual.response.uid).toBe(request.uid);
        expect(actual.apiVersion).toBe(testCase.review.apiVersion);
      });

      if (!actual.patch) return;
      const patched = actual.patchedPod as Pod;

      it('applies cleanly to the original pod with a standard JSON Patch implementation', () => {
        expect(() => applyPatch(testCase.review.request.object, actual.patch!)).not.toThrow();
      });

      it('leaves no duplicate container, volume, env or mount', () => {
        const containers = [...names(patched.spec.containers), ...names(patched.spec.initContainers)];
        expect(new Set(containers).size).toBe(containers.length);
        expect(new Set(names(patched.spec.volumes)).size).toBe(names(patched.spec.volumes).length);
        for (const container of [...patched.spec.containers, ...(patched.spec.initContainers ?? [])]) {
          expect(new Set(names(container.env)).size).toBe(names(container.env).length);
          const paths = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
          expect(new Set(paths).size).toBe(paths.length);
        }
      });

      it('is idempotent: reviewing the patched pod again changes nothing', () => {
        const again = answer({ ...request, object: patched }, testCase.review.apiVersion);
        expect(again.response.allowed).toBe(true);
        expect(decodePatch(again.response)).toBeNull();
      });

      it('is idempotent without the status annotation: a hand-copied injected pod gets no second container, volume, env or mount', () => {
        const copied = structuredClone(patched) as { metadata: { annotations: Record<string, string> } };
        delete copied.metadata.annotations[STATUS_KEY];
        const again = answer({ ...request, object: copied as unknown as Pod }, testCase.review.apiVersion);
        expect(again.response.allowed).toBe(true);
        const repatched = applyPatch(copied, decodePatch(again.response) ?? []) as Pod;
        // Only the status annotation comes back: everything else was already there.
        expect(repatched).toEqual(patched);
      });
    });
  }
});
