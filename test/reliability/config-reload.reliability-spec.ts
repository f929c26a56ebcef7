import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatch, decodePatch, FIXTURE_SIDECARS } from '../support/golden-cases.ts';
import { httpGet } from '../support/https-client.ts';
import { configMapVolume, type ConfigMapVolume } from './support/configmap-volume.ts';
import { startLoad, type Review } from './support/load.ts';
import { requiredSample, scrape } from './support/metrics.ts';
import { describeFailures, loadFigures, lostReviews, printSummary } from './support/report.ts';
import { goldenCase, parseAnswer } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';
import { keepAliveTransport } from './support/transport.ts';
import { eventually, sleep, untilLogged } from './support/wait.ts';

const CONCURRENCY = 16;
const ORIGINAL = readFileSync(FIXTURE_SIDECARS, 'utf8');
const IMAGE = (tag: string) => `registry.example.com/log-agent:${tag}`;
const withLogAgentTag = (tag: string) => ORIGINAL.replace(IMAGE('2.4.1'), IMAGE(tag));
/** Would change the image too, were it applied; a second template without an image makes the file invalid. */
const INVALID = withLogAgentTag('9.9.9').replace('image: registry.example.com/proxy:1.30.0', 'image: ""');

interface Seen {
  readonly createdAt: number;
  readonly answeredAt: number;
  readonly image: string | undefined;
}

interface ConfigReadiness {
  readonly status: number;
  readonly sidecarConfig: { readonly status?: string; readonly generation?: number; readonly reason?: string };
}

let volume: ConfigMapVolume;
let service: ServiceUnderTest;

beforeAll(async () => {
  volume = configMapVolume('sidecars.yaml', ORIGINAL);
  service = await startServiceProcess({ SIDECAR_CONFIG: volume.path });
  await service.waitUntilReady();
});

afterAll(async () => {
  await service.dispose();
  volume.remove();
});

async function readiness(): Promise<ConfigReadiness> {
  const answer = await httpGet(service.healthPort, '/readyz');
  return { status: answer.status, sidecarConfig: answer.json<{ details: { sidecarConfig: ConfigReadiness['sidecarConfig'] } }>().details.sidecarConfig };
}

/** An nginx pod whose answer must be an injection that applies cleanly; records which log-agent image it got. */
function reloadReview(index: number, seen: Map<string, Seen>): Review {
  const { review } = goldenCase('nginx-default');
  const uid = `reload-${index}`;
  const createdAt = performance.now();
  return {
    uid,
    body: JSON.stringify({ ...review, request: { ...review.request, uid } }),
    check: (answer) => {
      const parsed = parseAnswer(answer);
      if (typeof parsed === 'string') return parsed;
      const response = parsed.response!;
      if (response.uid !== uid || !response.allowed || response.patchType !== 'JSONPatch') return `not an injection for ${uid}: ${answer.text.slice(0, 300)}`;
      let pod: { spec: { containers: { name: string; image?: string }[] } };
      try {
        pod = applyPatch(review.request.object, decodePatch(response)!) as typeof pod;
      } catch (error) {
        return `the patch does not apply: ${(error as Error).message}`;
      }
      seen.set(uid, { createdAt, answeredAt: performance.now(), image: pod.spec.containers.find((container) => container.name === 'log-agent')?.image });
      return undefined;
    },
  };
}

describe('sidecar config reload under load', () => {
  it('serves a valid change as soon as it is loaded, rejects an invalid one while the last good one keeps serving, and fails no review', async () => {
    const seen = new Map<string, Seen>();
    const transport = keepAliveTransport(service.port, service.ca(), CONCURRENCY);
    const load = startLoad({ transport, concurrency: CONCURRENCY, next: (index) => reloadReview(index, seen) });
    await sleep(1_000);

    const validAt = performance.now();
    volume.update(withLogAgentTag('2.5.0'));
    await eventually('generation 2 loaded', async () => ((await readiness()).sidecarConfig.generation === 2 ? true : undefined), 10_000, 20);
    const validLoadedAt = performance.now();
    await sleep(1_000);

    const invalidAt = performance.now();
    volume.update(INVALID);
    const rejected = await eventually(
      'invalid change rejected',
      async () => {
        const state = await readiness();
        return state.sidecarConfig.status === 'degraded' ? state : undefined;
      },
      10_000,
      20,
    );
    await sleep(1_000);

    const fixedAt = performance.now();
    volume.update(withLogAgentTag('2.6.0'));
    const fixed = await eventually(
      'generation 3 loaded',
      async () => {
        const state = await readiness();
        return state.sidecarConfig.generation === 3 ? state : undefined;
      },
      10_000,
      20,
    );
    const fixedLoadedAt = performance.now();
    await sleep(1_000);

    const result = await load.stop();
    transport.close();
    await untilLogged(service, result.answered.size);
    const lost = lostReviews(service.reviewed, result);
    const metrics = await scrape(service.healthPort);
    const all = [...seen.values()];
    const images = (from: number, to: number, by: 'createdAt' | 'answeredAt') => new Set(all.filter((entry) => entry[by] >= from && entry[by] < to).map((entry) => entry.image));

    printSummary(
      `config reload: ${loadFigures(result, `at concurrency ${CONCURRENCY}`, lost.length)}; valid change served ${Math.round(validLoadedAt - validAt)} ms after publishing, ` +
        `invalid change rejected (readiness ${rejected.status}, ${rejected.sidecarConfig.status}; generation ${rejected.sidecarConfig.generation} kept serving), fix served ${Math.round(fixedLoadedAt - fixedAt)} ms after publishing`,
    );
    expect(result.failures.length, `${describeFailures(result.failures)}\n${diagnosis(service)}`).toBe(0);
    expect(lost).toEqual([]);
    // Answered before a change was published: the old version. Sent after the service reported the new one: the new one.
    expect(images(0, validAt, 'answeredAt')).toEqual(new Set([IMAGE('2.4.1')]));
    expect(images(validLoadedAt, fixedAt, 'createdAt')).toEqual(new Set([IMAGE('2.5.0')]));
    expect(images(fixedLoadedAt, Infinity, 'createdAt')).toEqual(new Set([IMAGE('2.6.0')]));
    expect(new Set(all.map((entry) => entry.image))).toEqual(new Set([IMAGE('2.4.1'), IMAGE('2.5.0'), IMAGE('2.6.0')]));
    expect(images(invalidAt, fixedAt, 'createdAt')).toEqual(new Set([IMAGE('2.5.0')]));
    // Rejected, the service stayed ready and said why; fixed, it is plainly up again.
    expect(rejected).toMatchObject({ status: 200, sidecarConfig: { status: 'degraded', generation: 2 } });
    expect(rejected.sidecarConfig.reason).toMatch(/containers\[0\]\.image/);
    expect(fixed).toMatchObject({ status: 200, sidecarConfig: { status: 'up', generation: 3 } });
    expect(requiredSample(metrics, 'sidecar_injector_config_reloads_total', 'result="failed"')).toBeGreaterThanOrEqual(1);
    expect(requiredSample(metrics, 'sidecar_injector_config_generation')).toBe(3);
    expect(crashSigns(service.stderr())).toEqual([]);
  });
});
