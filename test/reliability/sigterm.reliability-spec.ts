import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from '../support/https-client.ts';
import { startLoad } from './support/load.ts';
import { describeFailures, loadFigures, lostReviews, printSummary } from './support/report.ts';
import { mixedReview, namedReview } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';
import { startSlowRequest } from './support/slow-request.ts';
import { keepAliveTransport } from './support/transport.ts';
import { eventually, sleep } from './support/wait.ts';

const CONCURRENCY = 64;
const LOAD_BEFORE_SIGNAL_MS = 3_000;
/**
 * What a client may see for a review the service never received: the listener is closed
 * (refused), or a keep-alive connection it was about to reuse is closed under it.
 */
const NEVER_RECEIVED = /^(ECONNREFUSED|ECONNRESET|EPIPE)$/;

let service: ServiceUnderTest;

beforeAll(async () => {
  service = await startServiceProcess({ SHUTDOWN_TIMEOUT: '10s' });
  await service.waitUntilReady();
});

afterAll(() => service.dispose());

describe('SIGTERM under load', () => {
  it(`answers every review it received from ${CONCURRENCY} concurrent clients, turns unready at once and exits 0`, async () => {
    const transport = keepAliveTransport(service.port, service.ca(), CONCURRENCY);
    const load = startLoad({ transport, concurrency: CONCURRENCY, pauseAfterErrorMs: 20, next: (index) => mixedReview('sigterm', index) });
    // Reviews under load finish in a millisecond; this one holds the drain open long enough to watch it.
    const slowReview = namedReview('nginx-default', 'sigterm-slow');
    const slow = await startSlowRequest(service.port, service.ca(), slowReview.body);
    await sleep(LOAD_BEFORE_SIGNAL_MS);
    // Enough answered first however loaded the machine is: waited for, not assumed from the time.
    await eventually('100 reviews answered before the signal', async () => (load.answeredCount() > 100 ? true : undefined), 30_000, 50);
    const answeredBeforeSignal = load.answeredCount();
    const signalledAt = performance.now();
    service.child.kill('SIGTERM');

    // The slow review holds the drain open until it is finished below, so the wait may be generous.
    await eventually('readiness 503 while draining', async () => ((await httpGet(service.healthPort, '/readyz')).status === 503 ? true : undefined), 5_000, 10);
    expect(service.child.exitCode).toBeNull();
    const slowAnswer = await slow.finish();
    const exitCode = await service.exited;
    const exitMs = performance.now() - signalledAt;
    // Keep the clients knocking a moment after the exit: they must only be refused, never half-answered.
    await sleep(200);
    const result = await load.stop();
    transport.close();
    await service.closed;

    const lost = lostReviews(service.reviewed, result).filter((uid) => uid !== slowReview.uid);
    const draining = service
      .lines()
      .map((line) => JSON.parse(line) as { msg?: string; inFlight?: number })
      .find((entry) => entry.msg?.startsWith('draining'));
    const unexplained = result.failures.filter((failure) => failure.kind !== 'error' || !NEVER_RECEIVED.test(failure.code ?? '') || service.reviewed.has(failure.uid));
    printSummary(
      `sigterm: ${loadFigures(result, `at concurrency ${CONCURRENCY}`, lost.length, unexplained.length)}; SIGTERM after ${answeredBeforeSignal} answered with ${draining?.inFlight ?? '?'} in flight, ` +
        `exit ${exitCode} ${Math.round(exitMs)} ms later; ${result.failures.length - unexplained.length} refused after the listener closed (never received)`,
    );
    expect(slowAnswer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(slowReview.check({ status: 200, text: slowAnswer.slice(slowAnswer.indexOf('\r\n\r\n') + 4) })).toBeUndefined();
    expect(exitCode).toBe(0);
    expect(lost, diagnosis(service)).toEqual([]);
    expect(unexplained.length, describeFailures(unexplained)).toBe(0);
    expect(answeredBeforeSignal).toBeGreaterThan(100);
    expect(crashSigns(service.stderr())).toEqual([]);
  });
});
