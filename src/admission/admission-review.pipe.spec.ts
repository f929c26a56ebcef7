import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdmissionReviewPipe } from './admission-review.pipe.ts';
import { isPlainlyValidReview } from './review-shape.ts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AdmissionReviewDto } from './admission-review.dto.ts';

const pipe = new AdmissionReviewPipe();
const valid = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'ns', object: { spec: {} } },
};

function dtoAccepts(body: Record<string, unknown>): boolean {
  const request = body['request'];
  const envelope = request !== null && typeof request === 'object' && !Array.isArray(request) ? { ...(request as object), object: undefined, oldObject: undefined } : request;
  return validateSync(plainToInstance(AdmissionReviewDto, { apiVersion: body['apiVersion'], kind: body['kind'], request: envelope }), { forbidUnknownValues: true }).length === 0;
}

/** Envelopes near the valid one: each field replaced by a value of some other type or content. */
const anyValue = fc.oneof(fc.string(), fc.constant(''), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string()), fc.dictionary(fc.string(), fc.string()), fc.string({ minLength: 250, maxLength: 260 }));
const mutated = fc
  .record({
    apiVersion: fc.oneof(fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'), anyValue),
    kind: fc.oneof(fc.constant('AdmissionReview'), anyValue),
    uid: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), anyValue),
    gvk: fc.oneof(fc.record({ group: fc.oneof(fc.constant(''), anyValue), version: fc.oneof(fc.constant('v1'), anyValue), kind: fc.oneof(fc.constant('Pod'), anyValue) }), anyValue),
    operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), anyValue),
    namespace: fc.oneof(fc.string(), anyValue),
    dryRun: fc.oneof(fc.boolean(), anyValue),
  })
  .map(({ apiVersion, kind, uid, gvk, operation, namespace, dryRun }) => ({ apiVersion, kind, request: { uid, kind: gvk, operation, namespace, dryRun } }));

describe(AdmissionReviewPipe.name, () => {
  it('accepts an apiserver review by the quick path, keeping the pod by reference', async () => {
    expect(isPlainlyValidReview(valid)).toBe(true);
    const review = await pipe.transform(valid);
    expect(review.request.object).toBe(valid.request.object);
    expect(review.request.kind).toEqual({ group: '', version: 'v1', kind: 'Pod' });
  });

  it('fills in a missing group, as the DTO path does', async () => {
    const review = await pipe.transform({ ...valid, request: { ...valid.request, kind: { version: 'v1', kind: 'Pod' } } });
    expect(review.request.kind.group).toBe('');
  });

  it('leaves explicit nulls to class-validator, which accepts them as absent', async () => {
    const body = { ...valid, request: { ...valid.request, namespace: null } };
    expect(isPlainlyValidReview(body)).toBe(false);
    expect((await pipe.transform(body)).request.uid).toBe('u-1');
  });

  it('never lets the quick path accept what the DTOs refuse', () => {
    fc.assert(
      fc.property(mutated, (body) => {
        if (isPlainlyValidReview(body)) expect(dtoAccepts(body)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('answers like the DTOs: what they refuse is a 400 naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async (body) => {
        const accepted = dtoAccepts(body);
        if (accepted) await expect(Promise.resolve().then(() => pipe.transform(body))).resolves.toBeDefined();
        else await expect(Promise.resolve().then(() => pipe.transform(body))).rejects.toThrow(BadRequestException);
      }),
      { numRuns: 2_000 },
    );
  });
});
