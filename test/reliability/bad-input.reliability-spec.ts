import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { httpGet, webhookClient, type HttpAnswer } from '../support/https-client.ts';
import { describeCase, fuzzCase, KNOWN_CASES, type FuzzCase } from './support/adversarial-reviews.ts';
import { sendCutOff, sendWhole } from './support/raw-request.ts';
import { judge, reReview, type Verdict } from './support/fuzz-oracle.ts';
import { scrape, sample } from './support/metrics.ts';
import { printSummary } from './support/report.ts';
import { mixedReview } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3_000);
const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : Date.now() % 2 ** 31;
const ANSWER_TIMEOUT_MS = 15_000;

let service: ServiceUnderTest;
let kubeDir: string;
let bad: ReturnType<typeof webhookClient>;
let good: ReturnType<typeof webhookClient>;

beforeAll(async () => {
  // A kubeconfig whose apiserver never answers: the service runs as in a cluster, with
  // Kubernetes Events on (their builder sees every pod), while registration stays off.
  kubeDir = mkdtempSync(join(tmpdir(), 'reliability-fuzz-'));
  const kubeconfig = join(kubeDir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{ name: gone, cluster: { server: "https://127.0.0.1:${await freePort()}", insecure-skip-tls-verify: true } }]\n` +
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
  if (fuzz.kind === 'oversize') {
    const answered413 = async () => sample(await scrape(service.healthPort), 'sidecar_injector_webhook_responses_total', 'code="413"') ?? 0;
    const before = await answered413();
    const reply = await sendWhole(service.port, service.ca(), fuzz.body, fuzz.chunked);
    // The server answers 413 and closes while the body still streams in; the client's kernel may
    // then take a reset and drop the unread answer. The service's own count shows it was sent.
    if (reply === undefined) return (await answered413()) === before + 1 ? { outcome: 'rejected', status: 413.1 } : 'an oversized body got no answer, and the service counted no 413';
    if (reply.status !== 413) return `an oversized body got HTTP ${reply.status}`;
    return judge({ kind: 'http', label: fuzz.label, expect: 'reject', method: 'POST', path: '/inject', headers: {}, body: fuzz.body }, reply);
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
  const again = await withTimeout(bad.post(reReview(verdict.review, verdict.patchedPod)), 're-review');
  const second = judge({ ...fuzz, expect: 'review', body: Buffer.from(JSON.stringify(reReview(verdict.review, verdict.patchedPod))) }, again);
  return typeof second !== 'string' && second.outcome === 'skipped' ? verdict : `the patched pod, reviewed again, got ${typeof second === 'string' ? second : second.outcome}: injection is not idempotent`;
}

describe('bad input', () => {
  it(`answers ${RUNS} malformed and adversarial requests with a clear 4xx or a reasoned review, good reviews interleaved all succeed, and the process lives`, async () => {
    const outcomes = new Map<string, number>();
    const recent: string[] = [];
    let goodSent = 0;
    let death: string | undefined;
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

    const property = fc.asyncProperty(fuzzCase, async (fuzz) => {
      if (death) throw new Error('the service is dead');
      recent.push(describeCase(fuzz).slice(0, 600));
      if (recent.length > 3) recent.shift();
      try {
        await tryCase(fuzz);
      } catch (error) {
        // A crash surfaces a moment later, often as the next case's failure: name the cases sent just before it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        if (service.child.exitCode !== null || service.child.signalCode !== null) death ??= `the service died; the last cases sent:\n${recent.join('\n')}\n${diagnosis(service)}`;
        throw new Error(`${(error as Error).message}\n(the cases sent just before: ${recent.slice(0, -1).map((line) => line.slice(0, 200)).join(' | ')})`);
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
    try {
      await fc.assert(property, { numRuns: RUNS, seed: SEED, examples: KNOWN_CASES.map((known) => [known]) });
    } catch (error) {
      // A dead service fails every later case; its shrunk "counterexample" would mislead.
      const cause = (error as Error).cause;
      throw new Error(death ?? `${(error as Error).message}\nFailure: ${cause instanceof Error ? cause.message : String(cause)}`);
    }

    const ready = await httpGet(service.healthPort, '/readyz');
    const metrics = await scrape(service.healthPort);
    const serverErrors = sample(metrics, 'sidecar_injector_webhook_responses_total', 'code="500"') ?? 0;
    const rejected = [...outcomes].filter(([key]) => key.startsWith('rejected')).map(([key, value]) => `${key.replace('rejected ', '')} ×${value}`).join(', ');
    printSummary(
      `bad input: ${RUNS} adversarial cases (seed ${SEED}) and ${KNOWN_CASES.length} that once broke it: rejected ${rejected}; ${outcomes.get('refused') ?? 0} refused with a reason, ${outcomes.get('skipped') ?? 0} skipped, ` +
        `${outcomes.get('injected') ?? 0} injected (patch applied cleanly, re-review idempotent); ${goodSent} good reviews interleaved, 0 failed; ${serverErrors} server errors; service alive and ${ready.status === 200 ? 'ready' : `NOT ready (${ready.status})`}`,
    );
    expect(service.child.exitCode).toBeNull();
    expect(ready.status).toBe(200);
    expect(serverErrors).toBe(0);
    expect(crashSigns(service.stderr())).toEqual([]);
  });
});
