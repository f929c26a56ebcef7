import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad } from './support/load.ts';
import { describeFailures, loadFigures, lostReviews, printSummary } from './support/report.ts';
import { GOLDEN_CASE_COUNT, mixedReview } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';
import { keepAliveTransport } from './support/transport.ts';
import { untilLogged } from './support/wait.ts';

const TOTAL = Number(process.env['BURST_REVIEWS'] ?? 20_000);
const CONCURRENCY = Number(process.env['BURST_CONCURRENCY'] ?? 256);
/**
 * The burst runs over established keep-alive connections, as the apiserver's pool holds
 * them: a warm-up opens them first. Opening 256 TLS connections at once costs both sides a
 * handshake each, one after another on each event loop; on a machine shared with other jobs
 * the last ones once took longer than the apiserver's 10 s timeout, failing the first wave by
 * the clock alone. The warm-up's answers are checked like the burst's; only its deadline is
 * longer.
 */
const WARM_UP = 2 * CONCURRENCY;
const WARM_UP_TIMEOUT_MS = 60_000;

let service: ServiceUnderTest;

beforeAll(async () => {
  service = await startServiceProcess();
  await service.waitUntilReady();
});

afterAll(() => service.dispose());

describe('burst', () => {
  it(`answers ${TOTAL} mixed reviews at concurrency ${CONCURRENCY} over keep-alive HTTPS, each exactly as its golden file says`, async () => {
    const transport = keepAliveTransport(service.port, service.ca(), CONCURRENCY);
    const warmUp = await startLoad({ transport, concurrency: CONCURRENCY, timeoutMs: WARM_UP_TIMEOUT_MS, next: (index) => (index < WARM_UP ? mixedReview('burst-warm-up', index) : undefined) }).finished;
    const result = await startLoad({ transport, concurrency: CONCURRENCY, next: (index) => (index < TOTAL ? mixedReview('burst', index) : undefined) }).finished;
    transport.close();
    const answered = new Set([...warmUp.answered, ...result.answered]);
    await untilLogged(service, answered.size);
    const lost = lostReviews(service.reviewed, { ...result, answered });

    printSummary(`burst: ${loadFigures(result, `(${GOLDEN_CASE_COUNT} golden cases mixed) at concurrency ${CONCURRENCY}`, lost.length)}, after ${WARM_UP} that opened the connections in ${Math.round(warmUp.elapsedMs)} ms`);
    expect(warmUp.failures.length, `${describeFailures(warmUp.failures)}\n${diagnosis(service)}`).toBe(0);
    expect(result.failures.length, `${describeFailures(result.failures)}\n${diagnosis(service)}`).toBe(0);
    expect(result.answered.size).toBe(TOTAL);
    expect(lost).toEqual([]);
    // Every review reached the service once: none was retried or duplicated on the way.
    expect(service.reviewed.size).toBe(WARM_UP + TOTAL);
    expect(service.child.exitCode).toBeNull();
    expect(crashSigns(service.stderr())).toEqual([]);
  });
});
