import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdmissionResponse } from '../injection/admission-review.ts';
import { serializeReviewAnswer } from './review-answer.ts';

const responses = fc.oneof(
  fc.record({ uid: fc.string(), allowed: fc.constant(true), patchType: fc.constant('JSONPatch' as const), patch: fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes).toString('base64')) }),
  fc.record({ uid: fc.string(), allowed: fc.constant(true) }),
  fc.record({ uid: fc.string(), allowed: fc.constant(false), status: fc.record({ code: fc.constant(400), reason: fc.constant('BadRequest'), message: fc.string({ unit: 'binary' }) }) }),
);
const versions = fc.constantFrom('admission.k8s.io/v1' as const, 'admission.k8s.io/v1beta1' as const);

describe(serializeReviewAnswer.name, () => {
  it('writes exactly what JSON.stringify writes for every answer the engine gives', () => {
    fc.assert(
      fc.property(versions, responses, (apiVersion, response: AdmissionResponse) => {
        expect(serializeReviewAnswer(apiVersion, response)).toBe(JSON.stringify({ apiVersion, kind: 'AdmissionReview', response }));
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps every field when the patch is not the last one', () => {
    const response = { uid: 'u', allowed: true, patchType: 'JSONPatch', patch: 'W10=', auditAnnotations: { a: 'b' } } as const;
    expect(JSON.parse(serializeReviewAnswer('admission.k8s.io/v1', response))).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
  });
});
