import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsonpatch, { type Operation } from 'fast-json-patch';
import type { AdmissionResponse } from '../../src/injection/admission-review.ts';
import { parseSidecarConfig } from '../../src/injection/sidecar-config-parser.ts';
import type { SidecarConfig } from '../../src/injection/sidecar-config.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const CASES_DIR = join(FIXTURES, 'admission');
export const FIXTURE_SIDECARS = join(FIXTURES, 'sidecars.yaml');
/** The namespace the corpus assumes the injector runs in (its own pods are never injected). */
export const FIXTURE_OWN_NAMESPACE = 'sidecar-injector';

/** The raw JSON of an AdmissionReview as the apiserver sends it. */
export interface RawReview {
  readonly apiVersion: string;
  readonly kind: string;
  readonly request: { readonly uid: string; readonly object: unknown; readonly [key: string]: unknown };
}

export interface GoldenCase {
  readonly name: string;
  readonly review: RawReview;
  readonly goldenPath: string;
}

/** What a case must produce: the response (patch decoded for reading), and the pod after the patch. */
export interface Golden {
  readonly apiVersion: string;
  readonly response: Omit<AdmissionResponse, 'patch'>;
  readonly patch: readonly Operation[] | null;
  readonly patchedPod: unknown;
}

export function loadGoldenCases(): GoldenCase[] {
  return readdirSync(CASES_DIR)
    .filter((file) => file.endsWith('.review.json'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.review\.json$/, '');
      return { name, review: readJson(join(CASES_DIR, file)) as RawReview, goldenPath: join(CASES_DIR, `${name}.golden.json`) };
    });
}

export function loadFixtureConfig(): SidecarConfig {
  return parseSidecarConfig(readFileSync(FIXTURE_SIDECARS, 'utf8'), FIXTURE_SIDECARS);
}

export function decodePatch(response: AdmissionResponse): Operation[] | null {
  return response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[]) : null;
}

/** Applies a patch the way a standard RFC 6902 implementation does, failing on any invalid operation. */
export function applyPatch(object: unknown, patch: readonly Operation[]): unknown {
  return jsonpatch.applyPatch(structuredClone(object), patch as Operation[], /* validate */ true, /* mutate */ true).newDocument;
}

export function toGolden(review: RawReview, answer: { apiVersion: string; response: AdmissionResponse }): Golden {
  const { patch: encoded, ...response } = answer.response;
  void encoded;
  const patch = decodePatch(answer.response);
  return { apiVersion: answer.apiVersion, response, patch, patchedPod: patch ? applyPatch(review.request.object, patch) : null };
}

/** UPDATE_GOLDEN=1 rewrites the expected files; the diff is then read and committed by a person. */
export function readGolden(testCase: GoldenCase, actual: Golden): Golden | undefined {
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(testCase.goldenPath)) {
    if (process.env['UPDATE_GOLDEN'] !== '1') return undefined;
    writeFileSync(testCase.goldenPath, JSON.stringify(actual, null, 2) + '\n');
  }
  return readJson(testCase.goldenPath) as Golden;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
