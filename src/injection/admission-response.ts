import type { AdmissionResponse } from './admission-review.ts';
import { limitWarnings } from './admission-warnings.ts';
import type { InjectionDecision } from './injector.ts';
import { serializePatch } from './patch-serializer.ts';

/** Refusals are the pod author's to fix (unknown sidecar, clash with their pod): 400, not 403. */
const REFUSAL_CODE = 400;

/** Puts a decision into the admission response the apiserver expects; warnings ride along and never change it. */
export function toAdmissionResponse(uid: string, decision: InjectionDecision): AdmissionResponse {
  const warnings = decision.warnings && decision.warnings.length > 0 ? { warnings: limitWarnings(decision.warnings) } : undefined;
  switch (decision.outcome) {
    case 'injected':
      return { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(serializePatch(decision.patch)).toString('base64'), ...warnings };
    case 'skipped':
      return { uid, allowed: true, ...warnings };
    case 'refused':
      return { uid, allowed: false, status: { code: REFUSAL_CODE, reason: 'BadRequest', message: `sidecar-injector: ${decision.message}` }, ...warnings };
  }
}
