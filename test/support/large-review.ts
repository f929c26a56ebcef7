import { readFileSync } from 'node:fs';

const REALISTIC = new URL('../fixtures/admission/many-containers-app-wins.review.json', import.meta.url);

interface Review {
  readonly request: { readonly object: { readonly spec: { readonly containers: readonly object[] } } };
}

/**
 * The realistic golden pod (four containers) with env lists that bring its review to about
 * `bytes`: many small objects, the costliest shape per byte to parse and hold. The review's
 * uid is `uid`; callers that send many substitute it per request. Plain Node (no engine
 * import), so the benchmarks can use it too.
 */
export function largeReviewText(bytes: number, uid = 'large-review'): string {
  const review = JSON.parse(readFileSync(REALISTIC, 'utf8')) as Review;
  const containers = review.request.object.spec.containers.map((container) => ({ ...container, env: [...((container as { env?: unknown[] }).env ?? [])] }));
  let size = JSON.stringify(review).length;
  for (let index = 0; size < bytes; index++) {
    const entry = { name: `SETTING_${index}`, value: `value-${index}-${'x'.repeat(24)}` };
    containers[index % containers.length]!.env.push(entry);
    size += JSON.stringify(entry).length + 1;
  }
  return JSON.stringify({ ...review, request: { ...review.request, uid, object: { ...review.request.object, spec: { ...review.request.object.spec, containers } } } });
}
