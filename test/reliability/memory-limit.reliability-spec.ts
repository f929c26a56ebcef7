import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad, type Review } from './support/load.ts';
import { createMemoryCgroup, type MemoryCgroup } from './support/memory-cgroup.ts';
import { describeFailures, loadFigures, lostReviews, mebibytes, printSummary } from './support/report.ts';
import { largeReviewText } from '../support/large-review.ts';
import { namedReview, parseAnswer } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';
import { keepAliveTransport } from './support/transport.ts';
import { untilLogged } from './support/wait.ts';

const LIMIT_BYTES = 192 * 1024 * 1024;
const REALISTIC_TOTAL = 20_000;
const REALISTIC_CONCURRENCY = 256;
const LARGE_TOTAL = 256;
const LARGE_CONCURRENCY = 64;
/** Near the 4 MiB body limit, as large as pods get before the apiserver refuses them (~3 MiB). */
const LARGE_BYTES = 2.4 * 1024 * 1024;

const cgroup = createMemoryCgroup(`sidecar-injector-memory-limit-${process.pid}`, LIMIT_BYTES);
const unavailable = typeof cgroup === 'string' ? cgroup : undefined;
if (unavailable) process.stdout.write(`memory-limit: skipped: ${unavailable} (needs root and a memory cgroup controller)\n`);

let service: ServiceUnderTest;

beforeAll(async () => {
  if (unavailable) return;
  service = await startServiceProcess({}, [], (cgroup as MemoryCgroup).launcher);
  await service.waitUntilReady();
});

afterAll(async () => {
  if (unavailable) return;
  await service?.dispose();
  await (cgroup as MemoryCgroup).remove();
});

/** Built once; each review gets its own uid by substitution, so the client spends its time sending, not building. */
const LARGE_UID = 'large-review-uid-placeholder';
const largeTemplate = largeReviewText(LARGE_BYTES, LARGE_UID);

function largeReview(uid: string, tally: { injected: number; refused: number }): Review {
  return {
    uid,
    body: largeTemplate.replace(LARGE_UID, uid),
    check: (answer) => {
      if (answer.status === 429) {
        const message = (JSON.parse(answer.text) as { message?: unknown }).message;
        if (typeof message !== 'string' || !/memory budget/.test(message)) return `429 without the budget's JSON message: ${answer.text.slice(0, 300)}`;
        tally.refused++;
        return undefined;
      }
      const parsed = parseAnswer(answer);
      if (typeof parsed === 'string') return parsed;
      const { response } = parsed;
      if (response?.uid !== uid || !response.allowed || response.patchType !== 'JSONPatch') return `not an injection for ${uid}: ${answer.text.slice(0, 300)}`;
      tally.injected++;
      return undefined;
    },
  };
}

function memoryFigures(group: MemoryCgroup): string {
  return `peak ${mebibytes(group.peakBytes())} of ${mebibytes(group.limitBytes)}, limit reached ${group.limitHits()} times, ${group.oomKills()} OOM kills`;
}

describe.skipIf(unavailable !== undefined)('under a 192 Mi memory limit (a cgroup of its own, as the kubelet runs it)', () => {
  it(`answers ${REALISTIC_TOTAL} realistic reviews at concurrency ${REALISTIC_CONCURRENCY}, every one right`, async () => {
    const group = cgroup as MemoryCgroup;
    const transport = keepAliveTransport(service.port, service.ca(), REALISTIC_CONCURRENCY);
    const next = (index: number) => (index < REALISTIC_TOTAL ? namedReview('many-containers-app-wins', `memory-realistic-${index}`) : undefined);
    const result = await startLoad({ transport, concurrency: REALISTIC_CONCURRENCY, next }).finished;
    transport.close();
    await untilLogged(service, result.answered.size);
    const lost = lostReviews(service.reviewed, result);

    printSummary(`memory-limit, realistic: ${loadFigures(result, `at concurrency ${REALISTIC_CONCURRENCY}`, lost.length)}; ${memoryFigures(group)}`);
    expect(result.failures.length, `${describeFailures(result.failures)}\n${diagnosis(service)}`).toBe(0);
    expect(result.answered.size).toBe(REALISTIC_TOTAL);
    expect(lost).toEqual([]);
    expect(group.oomKills()).toBe(0);
    expect(service.child.exitCode).toBeNull();
  });

  it(`stays alive through ${LARGE_TOTAL} reviews of ${(LARGE_BYTES / 1024 / 1024).toFixed(1)} MiB at concurrency ${LARGE_CONCURRENCY}: each is injected or refused with a JSON 429, none is lost`, async () => {
    const group = cgroup as MemoryCgroup;
    const transport = keepAliveTransport(service.port, service.ca(), LARGE_CONCURRENCY);
    const tally = { injected: 0, refused: 0 };
    const next = (index: number) => (index < LARGE_TOTAL ? largeReview(`memory-large-${index}`, tally) : undefined);
    const result = await startLoad({ transport, concurrency: LARGE_CONCURRENCY, next }).finished;
    transport.close();

    printSummary(`memory-limit, large: ${loadFigures(result, `at concurrency ${LARGE_CONCURRENCY}`, 0)}: ${tally.injected} injected, ${tally.refused} refused (429); ${memoryFigures(group)}`);
    expect(result.failures.length, `${describeFailures(result.failures)}\n${diagnosis(service)}`).toBe(0);
    expect(tally.injected + tally.refused).toBe(LARGE_TOTAL);
    // Some are served: refusing everything would keep the process alive too.
    expect(tally.injected).toBeGreaterThan(0);
    expect(group.oomKills()).toBe(0);
    expect(service.child.exitCode).toBeNull();
    expect(crashSigns(service.stderr())).toEqual([]);
    await service.waitUntilReady();
  });
});
