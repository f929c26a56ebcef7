import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad } from './support/load.ts';
import { describeFailures, loadFigures, lostReviews, printSummary } from './support/report.ts';
import { GOLDEN_CASE_COUNT, mixedReview } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';
import { keepAliveTransport } from './support/transport.ts';
import { untilLogged } from './support/wait.ts';

const TOTAL = Number(process.env['BURST_REVIEWS'] ?? 20_000);
const CONCURRENCY = Number(process.env['BURST_CONCURRENCY'] ?? 256);

let service: ServiceUnderTest;

beforeAll(async () => {
  service = await startServiceProcess();
  await service.waitUntilReady();
});

afterAll(() => service.dispose());

describe('burst', () => {
  it(`answers ${TOTAL} mixed reviews at concurrency ${CONCURRENCY} over keep-alive HTTPS, each exactly as its golden file says`, async () => {
    const transport = keepAliveTransport(service.port, service.ca(), CONCURRENCY);
    const result = await startLoad({ transport, concurrency: CONCURRENCY, next: (index) => (index < TOTAL ? mixedReview('burst', index) : undefined) }).finished;
    transport.close();
    await untilLogged(service, result.answered.size);
    const lost = lostReviews(service.reviewed, result);

    printSummary(`burst: ${loadFigures(result, `(${GOLDEN_CASE_COUNT} golden cases mixed) at concurrency ${CONCURRENCY}`, lost.length)}`);
    expect(result.failures.length, `${describeFailures(result.failures)}\n${diagnosis(service)}`).toBe(0);
    expect(result.answered.size).toBe(TOTAL);
    expect(lost).toEqual([]);
    // Every review reached the service once: none was retried or duplicated on the way.
    expect(service.reviewed.size).toBe(TOTAL);
    expect(service.child.exitCode).toBeNull();
    expect(crashSigns(service.stderr())).toEqual([]);
  });
});
