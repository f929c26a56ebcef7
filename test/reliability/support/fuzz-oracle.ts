import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { MAX_BODY_BYTES } from '../../../src/admission/request-limits.ts';
import { STATUS_KEY } from '../../../src/injection/annotations.ts';
import { protectedNamespaces } from '../../../src/injection/protected-namespaces.ts';
import { FIXTURE_OWN_NAMESPACE, FIXTURE_SIDECARS } from '../../support/golden-cases.ts';
import type { HttpCase } from './adversarial-reviews.ts';

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export type Verdict =
  | { readonly outcome: 'rejected'; readonly status: number }
  | { readonly outcome: 'refused' | 'skipped' }
  | { readonly outcome: 'injected'; readonly review: ParsedReview; readonly patchedPod: unknown }
  /** Injected, and the patched pod outgrew the body limit, so idempotency could not be asked over HTTP. */
  | { readonly outcome: 'injected, too big to review again' };

export interface ParsedReview {
  readonly apiVersion: string;
  readonly kind: string;
  readonly request: { readonly uid: string; readonly namespace?: string; readonly operation?: string; readonly subResource?: string; readonly kind?: { group?: string; kind?: string }; readonly object?: unknown };
}

interface Response {
  readonly uid?: unknown;
  readonly allowed?: unknown;
  readonly patchType?: unknown;
  readonly patch?: unknown;
  readonly status?: { readonly code?: unknown; readonly message?: unknown };
}

/** Every image the operator's templates name: an injected container may have no other. */
const TEMPLATE_IMAGES = new Set([...readFileSync(FIXTURE_SIDECARS, 'utf8').matchAll(/image:\s*(\S+)/g)].map((match) => match[1]!));
const PROTECTED = new Set(protectedNamespaces(FIXTURE_OWN_NAMESPACE));

/**
 * Judges the answer to one adversarial request: a clear 4xx with a JSON message, or a 200
 * AdmissionReview for that very request which refuses with a reason, skips, or injects
 * with a patch that applies cleanly and adds only the operator's images. Returns what is
 * wrong, or the verdict.
 */
export function judge(fuzz: HttpCase, reply: Reply): Verdict | string {
  if (reply.status >= 500) return `HTTP ${reply.status}: a server error is not an answer (${reply.text.slice(0, 300)})`;
  if (!(reply.headers['content-type'] ?? '').startsWith('application/json')) return `HTTP ${reply.status} with content type ${reply.headers['content-type']}: ${reply.text.slice(0, 300)}`;
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    return `HTTP ${reply.status} with a body that is not JSON: ${reply.text.slice(0, 300)}`;
  }
  if (reply.status >= 400 && reply.status < 500) {
    if (fuzz.expect === 'review') return `HTTP ${reply.status} for a valid review: ${reply.text.slice(0, 500)}`;
    const message = (body as { message?: unknown }).message;
    return typeof message === 'string' && message.trim() !== '' ? { outcome: 'rejected', status: reply.status } : `HTTP ${reply.status} without a message: ${reply.text.slice(0, 300)}`;
  }
  if (reply.status !== 200) return `HTTP ${reply.status}: neither a review nor a client error`;
  if (fuzz.expect === 'reject') return `HTTP 200 for a request that must be refused: ${reply.text.slice(0, 300)}`;
  let sent: ParsedReview;
  try {
    sent = JSON.parse(fuzz.body.toString('utf8')) as ParsedReview;
  } catch {
    return `HTTP 200 for a body that is not JSON`;
  }
  return judgeReview(sent, body as { apiVersion?: unknown; kind?: unknown; response?: Response });
}

function judgeReview(sent: ParsedReview, answer: { apiVersion?: unknown; kind?: unknown; response?: Response }): Verdict | string {
  const response = answer.response;
  if (answer.kind !== 'AdmissionReview' || answer.apiVersion !== sent.apiVersion) return `answer ${JSON.stringify(answer.apiVersion)}/${JSON.stringify(answer.kind)} to a ${sent.apiVersion} review`;
  if (!response || response.uid !== sent.request.uid) return `answer for uid ${JSON.stringify(response?.uid)}, asked ${JSON.stringify(sent.request.uid)}`;
  if (typeof response.allowed !== 'boolean') return `allowed is ${JSON.stringify(response.allowed)}`;
  if (!response.allowed) {
    const { code, message } = response.status ?? {};
    if (response.patch !== undefined) return 'a refusal carries a patch';
    return typeof message === 'string' && message.trim() !== '' && typeof code === 'number' && code >= 400 && code < 500 ? { outcome: 'refused' } : `a refusal without a 4xx code and a reason: ${JSON.stringify(response.status)}`;
  }
  if (response.patch === undefined) return response.patchType === undefined ? { outcome: 'skipped' } : 'patchType without a patch';

  const { request } = sent;
  const podCreate = request.operation === 'CREATE' && request.kind?.kind === 'Pod' && (request.kind.group ?? '') === '' && !request.subResource;
  if (!podCreate) return `a patch for ${request.operation} of ${JSON.stringify(request.kind)}${request.subResource ? `/${request.subResource}` : ''}: only pod creation is mutated`;
  const namespace = request.namespace || (request.object as { metadata?: { namespace?: unknown } }).metadata?.namespace;
  if (typeof namespace === 'string' && PROTECTED.has(namespace)) return `a patch for a pod in protected namespace ${namespace}`;
  if (response.patchType !== 'JSONPatch' || typeof response.patch !== 'string') return `patchType ${JSON.stringify(response.patchType)}`;
  let operations: Operation[];
  try {
    operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[];
  } catch {
    return 'the patch is not base64 JSON';
  }
  let patchedPod: unknown;
  try {
    patchedPod = jsonpatch.applyPatch(structuredClone(request.object), operations, true, true).newDocument;
  } catch (error) {
    return `the patch does not apply: ${(error as Error).message}; patch ${JSON.stringify(operations).slice(0, 800)}`;
  }
  const status = (patchedPod as { metadata?: { annotations?: Record<string, unknown> } }).metadata?.annotations?.[STATUS_KEY];
  if (typeof status !== 'string') return `the patched pod lacks ${STATUS_KEY}`;
  for (const operation of operations) {
    const values = operation.op === 'add' && /^\/spec\/(initContainers|containers)(\/(-|\d+))?$/.test(operation.path) ? [operation.value as unknown].flat() : [];
    for (const container of values as { image?: unknown }[]) {
      if (!TEMPLATE_IMAGES.has(String(container.image))) return `an injected container has image ${JSON.stringify(container.image)}, which no template names`;
    }
  }
  return { outcome: 'injected', review: sent, patchedPod };
}

/** The longest uid a review may carry (the service's own envelope rule). */
const MAX_UID = 256;

/** The same review for the pod as patched: it must be left alone (injection is idempotent). */
export function reReview(review: ParsedReview, patchedPod: unknown): ParsedReview {
  // Its own uid, within the limit even when the first one was at it.
  const uid = `${review.request.uid.slice(0, MAX_UID - '-again'.length)}-again`;
  return { ...review, request: { ...review.request, uid, object: patchedPod } };
}

/**
 * The re-review's body, or undefined when the patched pod has outgrown the body limit: a
 * pod near the limit whose name the templates copy grows past it, and the service rightly
 * answers 413 without reading it. That says nothing about idempotency, so it is not asked.
 */
export function reReviewBody(review: ParsedReview, patchedPod: unknown): Buffer | undefined {
  const body = Buffer.from(JSON.stringify(reReview(review, patchedPod)));
  return body.length > MAX_BODY_BYTES ? undefined : body;
}
