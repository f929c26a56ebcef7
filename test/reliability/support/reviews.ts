import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { decodePatch, loadGoldenCases, type Golden, type RawReview } from '../../support/golden-cases.ts';
import type { AdmissionResponse } from '../../../src/injection/admission-review.ts';
import type { Review } from './load.ts';
import type { Answer } from './transport.ts';

interface AnswerBody {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly response?: AdmissionResponse;
}

interface Case {
  readonly name: string;
  readonly review: RawReview;
  readonly golden: Golden;
}

/** The 24 golden cases with their expected answers, read once. */
const CASES: readonly Case[] = loadGoldenCases().map(({ name, review, goldenPath }) => ({ name, review, golden: JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden }));

export const GOLDEN_CASE_COUNT = CASES.length;

/**
 * The index-th review of a mix that cycles through every golden case (injections, skips,
 * refusals, v1beta1), each with its own uid, checked against the golden answer: a review is
 * right only if it is exactly what the corpus says, with its own uid echoed.
 */
export function mixedReview(prefix: string, index: number): Review {
  return goldenReview(CASES[index % CASES.length]!, `${prefix}-${index}`);
}

/** One named golden case with a fresh uid. */
export function namedReview(name: string, uid: string): Review {
  const testCase = CASES.find((candidate) => candidate.name === name);
  if (!testCase) throw new Error(`no golden case named ${name}`);
  return goldenReview(testCase, uid);
}

function goldenReview(testCase: Case, uid: string): Review {
  const { review, golden } = testCase;
  const body = JSON.stringify({ ...review, request: { ...review.request, uid } });
  const expected = { ...golden.response, uid };
  return {
    uid,
    body,
    check: (answer) => {
      const parsed = parseAnswer(answer);
      if (typeof parsed === 'string') return parsed;
      const { patch: encoded, ...response } = parsed.response!;
      if (parsed.apiVersion !== golden.apiVersion) return `${testCase.name}: apiVersion ${String(parsed.apiVersion)}, expected ${golden.apiVersion}`;
      if (!isDeepStrictEqual(response, expected)) return `${testCase.name}: response ${JSON.stringify(response)}, expected ${JSON.stringify(expected)}`;
      const patch = encoded === undefined ? null : decodePatch(parsed.response!);
      if (!isDeepStrictEqual(patch, golden.patch)) return `${testCase.name}: patch differs from the golden one: ${JSON.stringify(patch)}`;
      return undefined;
    },
  };
}

/** Status 200, JSON, an AdmissionReview with a response: or why not. */
export function parseAnswer(answer: Answer): AnswerBody | string {
  if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.text.slice(0, 300)}`;
  let parsed: AnswerBody;
  try {
    parsed = JSON.parse(answer.text) as AnswerBody;
  } catch {
    return `not JSON: ${answer.text.slice(0, 300)}`;
  }
  if (parsed.kind !== 'AdmissionReview' || typeof parsed.response !== 'object' || parsed.response === null) return `not an AdmissionReview: ${answer.text.slice(0, 300)}`;
  return parsed;
}

/** A golden case by name, for tests that judge answers their own way (the expected answer changes under them). */
export function goldenCase(name: string): Case {
  const testCase = CASES.find((candidate) => candidate.name === name);
  if (!testCase) throw new Error(`no golden case named ${name}`);
  return testCase;
}
