import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../src/admission/request-limits.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, webhookClient, type HttpAnswer } from '../support/https-client.ts';
import { describeCase, fuzzCase, KNOWN_CASES, type FuzzCase } from './support/adversarial-reviews.ts';
import { sendCutOff, sendWhole, type WholeRequest } from './support/raw-request.ts';
import { judge, reReviewBody, type Verdict } from './support/fuzz-oracle.ts';
import { scrape, sample } from './support/metrics.ts';
import { printSummary } from './support/report.ts';
import { mixedReview } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3_000);
const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : Date.now() % 2 ** 31;
/** With FUZZ_SEED, replays one reported case (and its shrinks) instead of every run. */
const REPLAY_PATH = process.env['FUZZ_PATH'];
const ANSWER_TIMEOUT_MS = 15_000;
/** One case sends at most three requests, each bounded by ANSWER_TIMEOUT_MS or the raw sender's own wait. */
const CASE_TIMEOUT_MS = 60_000;
/**
 * The whole property, shrinking included: fast-check stops there and reports the failure it
 * has (seed, path, counterexample) rather than let the test runner time out with nothing.
 * Typical runs take seconds; the budget is for a loaded machine.
 */
const TIME_LIMIT_MS = Number(process.env['FUZZ_TIME_LIMIT_MS'] ?? 300_000);
/**
 * Shrink attempts after a failure. A case can be megabytes, each attempt a request: an
 * unbounded shrink once spent ten minutes on 4 MiB bodies.
 */
const MAX_SHRINKS = 200;
/** The test's own limit: the property's, one case still running when it hit, and the checks after it. */
const TEST_TIMEOUT_MS = TIME_LIMIT_MS + CASE_TIMEOUT_MS + 60_000;

let service: ServiceUnderTest;
let kubeDir: string;
let apiserver: Server;
let bad: ReturnType<typeof webhookClient>;
let good: ReturnType<typeof webhookClient>;

beforeAll(async () => {
  // A kubeconfig whose apiserver never answers: the service runs as in a cluster, with
  // Kubernetes Events on (their builder sees every pod), while registration stays off.
  kubeDir = mkdtempSync(join(tmpdir(), 'reliability-fuzz-'));
  const kubeconfig = join(kubeDir, 'kubeconfig');
  // It drops every connection, and holds its port so that nothing else answers there instead.
  apiserver = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => apiserver.listen(0, '127.0.0.1', resolve));
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{ name: gone, cluster: { server: "https://127.0.0.1:${(apiserver.address() as AddressInfo).port}", insecure-skip-tls-verify: true } }]\n` +
      `users: [{ name: nobody, user: { token: none } }]\ncontexts: [{ name: gone, context: { cluster: gone, user: nobody } }]\ncurrent-context: gone\n`,
  );
  service = await startServiceProcess({ KUBECONFIG: kubeconfig });
  await service.waitUntilReady();
  bad = webhookClient(service.port, service.ca());
  good = webhookClient(service.port, service.ca());
});

afterAll(async () => {
  bad?.close();
  good?.close();
  await service?.dispose();
  apiserver?.close();
  rmSync(kubeDir, { recursive: true, force: true });
});

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS).unref())]);
}

async function sendBad(fuzz: FuzzCase): Promise<Verdict | string> {
  if (fuzz.kind === 'aborted') {
    const reply = await sendCutOff(service.port, service.ca(), fuzz.declared, fuzz.sent);
    // Nobody is left to read a message: Node's own bare 400 for the broken request is as good as silence.
    if (reply === undefined || (reply.status >= 400 && reply.status < 500)) return { outcome: 'rejected', status: 0 };
    return `a body cut off by the client got HTTP ${reply.status}`;
  }
  if (fuzz.kind === 'oversize') return sendOversize(fuzz.label, { body: fuzz.body, chunked: fuzz.chunked }, true);
  // Generated pods can outgrow the limit too: whatever the envelope, such a body is refused.
  if (fuzz.body.length > MAX_BODY_BYTES) {
    const contentType = fuzz.headers['content-type'];
    return sendOversize(fuzz.label, { body: fuzz.body, chunked: 'transfer-encoding' in fuzz.headers, method: fuzz.method, path: fuzz.path, contentType: contentType === undefined ? '' : String(contentType) }, false);
  }
  let answer: HttpAnswer;
  try {
    // Said explicitly: Node's client sends a GET, DELETE or OPTIONS body with no length at all, which no server can frame.
    const length: Record<string, number> = 'transfer-encoding' in fuzz.headers ? {} : { 'content-length': fuzz.body.length };
    answer = await withTimeout(bad.post(fuzz.body, { method: fuzz.method, path: fuzz.path, headers: { ...fuzz.headers, ...length } }), fuzz.label);
  } catch (error) {
    return `no answer: ${(error as Error).message}`;
  }
  const verdict = judge(fuzz, answer);
  if (typeof verdict === 'string' || verdict.outcome !== 'injected') return verdict;
  const body = reReviewBody(verdict.review, verdict.patchedPod);
  if (!body) return { outcome: 'injected, too big to review again' };
  const again = await withTimeout(bad.post(body), 're-review');
  const second = judge({ ...fuzz, expect: 'review', body }, again);
  return typeof second !== 'string' && second.outcome === 'skipped' ? verdict : `the patched pod, reviewed again, got ${typeof second === 'string' ? second : second.outcome}: injection is not idempotent`;
}

/**
 * A body over the limit must be refused: with 413 once the service reads it (`only413`),
 * or with any clear 4xx when the method, path or content type is refused first.
 */
async function sendOversize(label: string, request: WholeRequest, only413: boolean): Promise<Verdict | string> {
  const answered413 = async () => sample(await scrape(service.healthPort), 'sidecar_injector_webhook_responses_total', 'code="413"') ?? 0;
  const before = await answered413();
  const reply = await sendWhole(service.port, service.ca(), request);
  // The server answers 413 and closes while the body still streams in; the client's kernel may
  // then take a reset and drop the unread answer. The service's own count shows it was sent.
  if (reply === undefined) return (await answered413()) === before + 1 ? { outcome: 'rejected', status: 413.1 } : `a body over the limit (${request.body.length} bytes) got no answer, and the service counted no 413`;
  if (only413 && reply.status !== 413) return `an oversized body got HTTP ${reply.status}`;
  return judge({ kind: 'http', label, expect: 'reject', method: request.method ?? 'POST', path: request.path ?? '/inject', headers: {}, body: request.body }, reply);
}

describe('bad input', () => {
  it(`answers ${RUNS} malformed and adversarial requests with a clear 4xx or a reasoned review, good reviews interleaved all succeed, and the process lives`, { timeout: TEST_TIMEOUT_MS }, async () => {
    // First, so that even a run killed from outside can be replayed.
    console.log(`bad input: seed ${SEED}${REPLAY_PATH ? `, path ${REPLAY_PATH}` : ''}, ${RUNS} runs within ${TIME_LIMIT_MS / 1000} s (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`);
    const outcomes = new Map<string, number>();
    const recent: string[] = [];
    let goodSent = 0;
    let death: string | undefined;
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

    const property = fc.asyncProperty(fc.limitShrink(fuzzCase, MAX_SHRINKS), async (fuzz) => {
      if (death) throw new Error('the service is dead');
      recent.push(describeCase(fuzz).slice(0, 600));
      if (recent.length > 3) recent.shift();
      try {
        await tryCase(fuzz);
      } catch (error) {
        // A crash surfaces a moment later, often as the next case's failure: name the cases sent just before it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        if (service.child.exitCode !== null || service.child.signalCode !== null) death ??= `the service died; the last cases sent:\n${recent.join('\n')}\n${diagnosis(service)}`;
        throw new Error(
          `${(error as Error).message}\n(the cases sent just before: ${recent
            .slice(0, -1)
            .map((line) => line.slice(0, 200))
            .join(' | ')})`,
        );
      }
    });
    const tryCase = async (fuzz: FuzzCase): Promise<void> => {
      const goodReview = mixedReview('fuzz-good', goodSent++);
      const [verdict, goodAnswer] = await Promise.all([sendBad(fuzz), withTimeout(good.post(goodReview.body), 'good review').catch((error: Error) => error)]);
      if (goodAnswer instanceof Error) throw new Error(`a good review interleaved with "${fuzz.label}" failed: ${goodAnswer.message}`);
      const goodProblem = goodReview.check(goodAnswer);
      if (goodProblem) throw new Error(`a good review interleaved with "${fuzz.label}" was answered wrong: ${goodProblem}`);
      if (typeof verdict === 'string') throw new Error(`${fuzz.label}: ${verdict}`);
      count(verdict.outcome === 'rejected' ? `rejected ${verdict.status === 0 ? 'cut off' : verdict.status === 413.1 ? '413 (answer lost to a reset)' : verdict.status}` : verdict.outcome);
    };
    const run = await fc
      .check(property, {
        // fast-check counts the examples among its runs: RUNS generated cases come after them.
        numRuns: RUNS + KNOWN_CASES.length,
        seed: SEED,
        ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}),
        examples: KNOWN_CASES.map((known) => [known]),
        timeout: CASE_TIMEOUT_MS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      })
      // Anything fast-check throws itself (a generator that broke) must still name the seed.
      .catch((error: unknown) => {
        throw new Error(`fast-check stopped (seed ${SEED}; replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}): ${(error as Error).message}`, { cause: error });
      });
    if (run.failed) {
      const replay = `replay: FUZZ_SEED=${run.seed} FUZZ_PATH=${run.counterexamplePath ?? ''} FUZZ_RUNS=${RUNS}`;
      // A dead service fails every later case; its shrunk "counterexample" would mislead.
      if (death) throw new Error(`${death}\n(seed ${run.seed}; ${replay})`);
      const failure = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
      throw new Error(`${fc.defaultReportMessage(run)}\nFailure: ${failure}\n${replay}`);
    }

    const ready = await httpGet(service.healthPort, '/readyz');
    const metrics = await scrape(service.healthPort);
    const serverErrors = sample(metrics, 'sidecar_injector_webhook_responses_total', 'code="500"') ?? 0;
    const rejected = [...outcomes]
      .filter(([key]) => key.startsWith('rejected'))
      .map(([key, value]) => `${key.replace('rejected ', '')} ×${value}`)
      .join(', ');
    const cases = run.interrupted ? `${Math.max(run.numRuns - KNOWN_CASES.length, 0)} of ${RUNS} adversarial cases (the ${TIME_LIMIT_MS / 1000} s limit stopped the rest)` : `${RUNS} adversarial cases`;
    printSummary(
      `bad input: ${cases} (seed ${SEED}) and ${KNOWN_CASES.length} that once broke it: rejected ${rejected}; ${outcomes.get('refused') ?? 0} refused with a reason, ${outcomes.get('skipped') ?? 0} skipped, ` +
        `${outcomes.get('injected') ?? 0} injected (patch applied cleanly, re-review idempotent), ${outcomes.get('injected, too big to review again') ?? 0} injected into a pod the patch took past the body limit; ` +
        `${goodSent} good reviews interleaved, 0 failed; ${serverErrors} server errors; service alive and ${ready.status === 200 ? 'ready' : `NOT ready (${ready.status})`}`,
    );
    const replay = `seed ${SEED}; replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n${diagnosis(service)}`;
    expect(service.child.exitCode, replay).toBeNull();
    expect(ready.status, replay).toBe(200);
    expect(serverErrors, replay).toBe(0);
    expect(crashSigns(service.stderr()), replay).toEqual([]);
  });
});
