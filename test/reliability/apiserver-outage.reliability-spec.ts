import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from '../support/https-client.ts';
import { startLoad, type LoadResult, type RunningLoad } from './support/load.ts';
import { describeFailures, loadFigures, lostReviews, printSummary, seconds } from './support/report.ts';
import { publishedBundle, RestartableControlPlane } from './support/restartable-control-plane.ts';
import { mixedReview } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, waitUntilServing, type ServiceUnderTest } from './support/service-process.ts';
import { keepAliveTransport, type Transport } from './support/transport.ts';
import { eventually, sleep, untilLogged } from './support/wait.ts';

/** Paced, so three services and a starting kube-apiserver share the two cores without starving each other. */
const RATE_PER_SERVICE = 200;
const WORKERS = 8;
const OUTAGE_SECONDS = Number(process.env['OUTAGE_SECONDS'] ?? 8);
/** Registration retries back off to 30 s (watches to 10 s, then re-check), and the periodic drift check runs every 60 s: a generous bound. */
const RECOVERY_TIMEOUT_MS = 90_000;

interface Readiness {
  readonly status: number;
  /** Names of the checks that are down. */
  readonly failing: readonly string[];
  readonly registration: { readonly status?: string; readonly reason?: string; readonly registration?: string };
  readonly others: Readonly<Record<string, string | undefined>>;
}

interface Subject {
  readonly label: string;
  readonly webhookName: string | undefined;
  readonly service: ServiceUnderTest;
  transport: Transport;
  load: RunningLoad;
  readonly results: LoadResult[];
}

let cluster: RestartableControlPlane;
const subjects: Subject[] = [];

async function readiness(service: ServiceUnderTest): Promise<Readiness> {
  const answer = await httpGet(service.healthPort, '/readyz');
  const body = answer.json<{ error?: Record<string, unknown>; details: Record<string, { status?: string; reason?: string; registration?: string }> }>();
  const others = Object.fromEntries(
    Object.entries(body.details)
      .filter(([key]) => key !== 'registration')
      .map(([key, value]) => [key, value.status]),
  );
  return { status: answer.status, failing: Object.keys(body.error ?? {}), registration: body.details['registration'] ?? {}, others };
}

async function startSubject(label: string, env: Record<string, string>, webhookName?: string): Promise<Subject> {
  const service = await startServiceProcess((port) => ({
    WEBHOOK_URL: `https://127.0.0.1:${port}/inject`,
    ...(webhookName ? { WEBHOOK_NAME: webhookName } : {}),
    // Selects no namespace: the apiserver never calls these webhooks; the load does.
    NAMESPACE_SELECTOR: 'reliability.sidecar-injector.io/outage=never',
    ...env,
  }));
  const subject: Subject = { label, webhookName, service, transport: undefined!, load: undefined!, results: [] };
  subjects.push(subject);
  return subject;
}

function startSubjectLoad(subject: Subject, phase: string): void {
  subject.transport = keepAliveTransport(subject.service.port, subject.service.ca(), WORKERS);
  subject.load = startLoad({ transport: subject.transport, concurrency: WORKERS, ratePerSecond: RATE_PER_SERVICE, next: (index) => mixedReview(`${subject.label}-${phase}`, index) });
}

async function stopSubjectLoad(subject: Subject): Promise<LoadResult> {
  const result = await subject.load.stop();
  subject.transport.close();
  subject.results.push(result);
  return result;
}

/** Every review of every phase so far, failures and losses included. */
async function tally(subject: Subject): Promise<{ sent: number; failures: LoadResult['failures']; lost: string[]; answered: Set<string> }> {
  const answered = new Set(subject.results.flatMap((result) => [...result.answered]));
  await untilLogged(subject.service, answered.size);
  const failures = subject.results.flatMap((result) => result.failures);
  const lost = lostReviews(subject.service.reviewed, { ...subject.results[0]!, answered });
  return { sent: answered.size + failures.length, failures, lost, answered };
}

async function registeredWithServedBundle(subject: Subject): Promise<boolean | undefined> {
  const bundle = publishedBundle(await cluster.webhookConfiguration(subject.webhookName!));
  return bundle !== undefined && bundle === subject.service.ca() ? true : undefined;
}

beforeAll(async () => {
  cluster = await RestartableControlPlane.start();
  await cluster.stopApiserver();
});

afterAll(async () => {
  for (const subject of subjects) {
    await subject.load?.stop();
    subject.transport?.close();
    await subject.service.dispose();
  }
  await cluster?.stop();
});

describe('apiserver unreachable', () => {
  it('at start: serves admissions anyway, is unready for registration alone (auto and enabled alike), and registers by itself once the apiserver answers', async () => {
    const enabled = await startSubject('enabled', { KUBECONFIG: cluster.kubeconfigPath, WEBHOOK_REGISTRATION: 'enabled' }, 'enabled.outage.reliability.sidecar-injector.io');
    const auto = await startSubject('auto', { KUBECONFIG: cluster.kubeconfigPath, WEBHOOK_REGISTRATION: 'auto' }, 'auto.outage.reliability.sidecar-injector.io');
    // The contrast: no cluster configured at all, so auto means "not registering", and that is ready.
    const alone = await startSubject('no-cluster', { KUBECONFIG: '/nonexistent/kubeconfig', WEBHOOK_REGISTRATION: 'auto' });
    for (const subject of subjects) {
      await waitUntilServing(subject.service);
      startSubjectLoad(subject, 'start');
    }

    await sleep(OUTAGE_SECONDS * 1_000);
    const during = await Promise.all([enabled, auto].map((subject) => readiness(subject.service)));
    const aloneReadiness = await readiness(alone.service);
    const startedAt = performance.now();
    await cluster.startApiserver();
    const apiserverUpMs = performance.now() - startedAt;
    const registeredAfterMs = await Promise.all(
      [enabled, auto].map(async (subject) => {
        await eventually(`${subject.label}: registered with the CA bundle it serves`, () => registeredWithServedBundle(subject), RECOVERY_TIMEOUT_MS);
        await eventually(`${subject.label}: ready`, async () => ((await readiness(subject.service)).status === 200 ? true : undefined), RECOVERY_TIMEOUT_MS);
        return performance.now() - startedAt;
      }),
    );
    const results = await Promise.all(subjects.map(stopSubjectLoad));

    printSummary(
      `apiserver down at start: ${subjects.map((subject, index) => `${subject.label} ${loadFigures(results[index]!, 'paced', 0)}`).join('; ')}; ` +
        `apiserver up in ${seconds(apiserverUpMs)}, registered and ready ${registeredAfterMs.map((ms) => seconds(ms)).join(' and ')} after it started`,
    );
    for (const [index, subject] of subjects.entries()) expect(results[index]!.failures.length, `${subject.label}: ${describeFailures(results[index]!.failures)}\n${diagnosis(subject.service)}`).toBe(0);
    for (const state of during) {
      expect(state.status).toBe(503);
      expect(state.failing).toEqual(['registration']);
      expect(state.registration.reason).toMatch(/cannot reach the apiserver/);
      expect(state.others).toEqual({ webhookServer: 'up', certificate: 'up', sidecarConfig: 'up' });
    }
    expect(aloneReadiness).toMatchObject({ status: 200, failing: [], registration: { status: 'up', registration: 'off' } });
  });

  it('mid-run: keeps answering and stays ready (registered with the CA bundle it serves), then repairs a deleted configuration once the apiserver is back', async () => {
    const enabled = subjects.find((subject) => subject.label === 'enabled')!;
    startSubjectLoad(enabled, 'mid-run');
    await sleep(1_000);
    const answeredBeforeOutage = enabled.load.answeredCount();
    await cluster.stopApiserver();
    const readinessDuringOutage: number[] = [];
    const outageEnds = Date.now() + OUTAGE_SECONDS * 1_000;
    while (Date.now() < outageEnds) {
      readinessDuringOutage.push((await readiness(enabled.service)).status);
      await sleep(200);
    }
    const answeredDuringOutage = enabled.load.answeredCount() - answeredBeforeOutage;

    await cluster.startApiserver();
    await cluster.admission.deleteMutatingWebhookConfiguration({ name: enabled.webhookName! });
    const deletedAt = performance.now();
    await eventually('the deleted configuration repaired', () => registeredWithServedBundle(enabled), RECOVERY_TIMEOUT_MS, 250);
    const repairMs = performance.now() - deletedAt;
    const result = await stopSubjectLoad(enabled);
    const { sent, failures, lost } = await tally(enabled);
    const watchWarnings = enabled.service.lines().filter((line) => line.includes('webhook configuration watch failed')).length;
    const repairedBecause = enabled.service
      .lines()
      .map((line) => JSON.parse(line) as { msg?: string; why?: string })
      .findLast((entry) => entry.msg?.startsWith('webhook configuration '))?.why;

    printSummary(
      `apiserver down mid-run: ${loadFigures(result, 'paced', lost.length)}; readiness ${readinessDuringOutage.filter((status) => status === 200).length}/${readinessDuringOutage.length} probes 200 and ${answeredDuringOutage} reviews answered during a ${OUTAGE_SECONDS} s outage; ` +
        `configuration deleted after the restart repaired in ${seconds(repairMs)} (${repairedBecause}); over both phases ${sent} reviews, ${failures.length} failed, ${lost.length} lost; ${watchWarnings} watch failures logged (the outage)`,
    );
    expect(failures.length, `${describeFailures(failures)}\n${diagnosis(enabled.service)}`).toBe(0);
    expect(lost).toEqual([]);
    expect(new Set(readinessDuringOutage)).toEqual(new Set([200]));
    expect(answeredDuringOutage).toBeGreaterThan(0);
    expect((await readiness(enabled.service)).status).toBe(200);
    for (const subject of subjects) expect(crashSigns(subject.service.stderr())).toEqual([]);
  });
});
