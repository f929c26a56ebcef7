import type { AdmissionApiVersion, AdmissionResponse } from '../injection/admission-review.ts';

/**
 * The AdmissionReview answer as JSON text, the same as JSON.stringify would write it. The
 * base64 patch, most of the answer, is spliced in as it is: base64 has no character JSON
 * escapes, so having JSON.stringify scan it again costs a few microseconds for nothing.
 */
export function serializeReviewAnswer(apiVersion: AdmissionApiVersion, response: AdmissionResponse): string {
  const { patch, ...rest } = response;
  const text = JSON.stringify({ apiVersion, kind: 'AdmissionReview', response: rest });
  return patch === undefined ? text : `${text.slice(0, -2)},"patch":"${patch}"}}`;
}
