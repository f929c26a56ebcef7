import { ADMISSION_API_VERSIONS, ADMISSION_OPERATIONS } from '../injection/admission-review.ts';

const API_VERSIONS: ReadonlySet<unknown> = new Set(ADMISSION_API_VERSIONS);
const OPERATIONS: ReadonlySet<unknown> = new Set(ADMISSION_OPERATIONS);

/**
 * A quick, conservative check that the envelope is one the DTOs accept: every review the
 * apiserver sends passes it in well under a microsecond, where class-validator takes tens.
 * It may say "no" to something the DTOs would accept (e.g. explicit nulls): the pipe then
 * asks class-validator, which stays the authority on what is valid and on the message.
 */
export function isPlainlyValidReview(body: Readonly<Record<string, unknown>>): boolean {
  if (!API_VERSIONS.has(body['apiVersion']) || body['kind'] !== 'AdmissionReview') return false;
  const request = body['request'];
  if (!isRecord(request)) return false;
  const { uid, kind, operation, namespace, name, subResource, dryRun } = request;
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 256) return false;
  if (!isRecord(kind) || typeof kind['version'] !== 'string' || typeof kind['kind'] !== 'string' || kind['kind'] === '') return false;
  if (kind['group'] !== undefined && typeof kind['group'] !== 'string') return false;
  if (!OPERATIONS.has(operation)) return false;
  if (!optionalString(namespace) || !optionalString(name) || !optionalString(subResource)) return false;
  return dryRun === undefined || typeof dryRun === 'boolean';
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
