import { describe, expect, it } from 'vitest';
import { loadGoldenCases } from './support/golden-cases.ts';
import { useService } from './support/service.ts';

/**
 * Mutating admission runs before the apiserver validates the object, so the webhook sees
 * names and annotations of any length. What it logs of them must stay short: a log line
 * per review that carries megabytes is a log pipeline (and a disk) brought down by one pod.
 */
const review = loadGoldenCases().find((testCase) => testCase.name === 'nginx-default')!.review;
const MEGABYTE = 1024 * 1024;
/** Far more than a review line needs, far less than anything a pod could push into it. */
const MAX_LINE = 4_096;

const running = useService();

type Pod = { metadata: Record<string, unknown> };

function reviewWith(uid: string, change: (pod: Pod) => void, request: Record<string, unknown> = {}): unknown {
  const copy = structuredClone(review) as { request: Record<string, unknown> & { object: Pod } };
  change(copy.request.object);
  return { ...copy, request: { ...copy.request, uid, ...request } };
}

describe('what the log echoes of a request', () => {
  it.each<[string, (pod: Pod) => void, Record<string, unknown>?]>([
    ['a pod name of a megabyte', (pod) => (pod.metadata['name'] = 'n'.repeat(MEGABYTE))],
    ['a generateName of a megabyte', (pod) => Object.assign(pod.metadata, { name: undefined, generateName: 'g'.repeat(MEGABYTE) })],
    ['a name that is not a string but a megabyte of JSON', (pod) => (pod.metadata['name'] = { huge: 'o'.repeat(MEGABYTE) })],
    ['a namespace of a megabyte', () => undefined, { namespace: 's'.repeat(MEGABYTE) }],
    ['a refusal that quotes a megabyte of annotation', (pod) => (pod.metadata['annotations'] = { 'sidecar-injector.io/sidecars': 'u'.repeat(MEGABYTE) })],
  ])('keeps the review line short for %s', async (name, change, request) => {
    const uid = `echo-${name.replaceAll(' ', '-')}`;
    const answer = await running.client.post(reviewWith(uid, change, request));
    expect(answer.status).toBe(200);
    const line = running.service.logs.find((entry) => entry['uid'] === uid);
    expect(line).toMatchObject({ msg: 'admission review' });
    expect(JSON.stringify(line).length).toBeLessThan(MAX_LINE);
  });

  it('still names an ordinary pod in full', async () => {
    await running.client.post(reviewWith('echo-ordinary', (pod) => (pod.metadata['name'] = 'web-7d9f-x2k4p')));
    expect(running.service.logs.find((entry) => entry['uid'] === 'echo-ordinary')).toMatchObject({ pod: 'web-7d9f-x2k4p', namespace: 'sidecar-test' });
  });
});
