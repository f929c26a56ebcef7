import type { AdmissionResponse } from './admission-review.ts';
import { limitWarnings } from './admission-warnings.ts';
import type { InjectionDecision } from './injector.ts';
import { serializePatch } from './patch-serializer.ts';

/** Refusals are the pod author's to fix (unknown sidecar, clash with their pod): 400, not 403. */
const REFUSAL_CODE = 400;

/** Puts a decision into the admission response the apiserver expects; warnings ride along and never change it. */
export function toAdmissionResponse(uid: string, decision: InjectionDecision): AdmissionResponse {
  const response = answer(uid, decision);
  return decision.warnings && decision.warnings.length > 0 ? { ...response, warnings: limitWarnings(decision.warnings) } : response;
}

function answer(uid: string, decision: InjectionDecision): AdmissionResponse {
  switch (decision.outcome) {
    case 'injected':
      return { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(serializePatch(decision.patch)).toString('base64') };
    case 'skipped':
      return { uid, allowed: true };
    case 'refused':
      return { uid, allowed: false, status: { code: REFUSAL_CODE, reason: 'BadRequest', message: `sidecar-injector: ${decision.message}` } };
  }
}
