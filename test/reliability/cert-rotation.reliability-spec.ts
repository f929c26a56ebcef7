import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad } from './support/load.ts';
import { describeFailures, lostReviews, printSummary, seconds } from './support/report.ts';
import { publishedBundle, RestartableControlPlane } from './support/restartable-control-plane.ts';
import { mixedReview } from './support/reviews.ts';
import { crashSigns, diagnosis, startServiceProcess, type ServiceUnderTest } from './support/service-process.ts';
import { followingBundleTransport, newConnectionTransport } from './support/transport.ts';
import { sleep, untilLogged } from './support/wait.ts';

const SECONDS = Number(process.env['ROTATION_SECONDS'] ?? 25);
/**
 * The serving certificate renews every ~4 s (10 s lifetime, renewed 6 s before expiry) and
 * the CA rolls over once in the window (14 s lifetime): published beside the old one for
 * 3 s before it signs, as the renewal planner does for real lifetimes of months.
 */
const TLS = { TLS_CERT_VALIDITY: '10s', TLS_CA_VALIDITY: '14s', TLS_RENEW_BEFORE: '6s' };
const WEBHOOK_NAME = 'rotation.reliability.sidecar-injector.io';
const KEEP_ALIVE_WORKERS = 24;
const NEW_CONNECTION_WORKERS = 8;
/** How often the client re-reads the caBundle from the apiserver, as the apiserver's informer would see it change. */
const BUNDLE_POLL_MS = 250;

let cluster: RestartableControlPlane;
let service: ServiceUnderTest;

beforeAll(async () => {
  cluster = await RestartableControlPlane.start();
  service = await startServiceProcess((port) => ({
    ...TLS,
    KUBECONFIG: cluster.kubeconfigPath,
    WEBHOOK_REGISTRATION: 'enabled',
    WEBHOOK_URL: `https://127.0.0.1:${port}/inject`,
    WEBHOOK_NAME,
    // Selects no namespace: this test calls the webhook itself rather than through pods.
    NAMESPACE_SELECTOR: 'reliability.sidecar-injector.io/rotation=never',
  }));
  await service.waitUntilReady();
});

afterAll(async () => {
  await service?.dispose();
  await cluster?.stop();
});

describe('certificate rotation under load', () => {
  it('answers every review while serving certificates renew and the CA rolls over, clients trusting only the published caBundle', async () => {
    let bundle = publishedBundle(await cluster.webhookConfiguration(WEBHOOK_NAME));
    if (!bundle) throw new Error('the webhook is registered without a caBundle');
    const bundles = new Set<string>([bundle]);
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const current = publishedBundle(await cluster.webhookConfiguration(WEBHOOK_NAME).catch(() => undefined));
        if (current) bundles.add((bundle = current));
        await sleep(BUNDLE_POLL_MS);
      }
    })();

    const fingerprints = new Set<string>();
    const pooled = followingBundleTransport(service.port, () => bundle!, KEEP_ALIVE_WORKERS);
    const fresh = newConnectionTransport(
      service.port,
      () => bundle!,
      (fingerprint) => fingerprints.add(fingerprint),
    );
    const loads = [
      startLoad({ transport: pooled, concurrency: KEEP_ALIVE_WORKERS, next: (index) => mixedReview('rotation-pooled', index) }),
      startLoad({ transport: fresh, concurrency: NEW_CONNECTION_WORKERS, next: (index) => mixedReview('rotation-fresh', index) }),
    ];
    await sleep(SECONDS * 1_000);
    const [keptAlive, reconnected] = await Promise.all(loads.map((load) => load.stop()));
    polling = false;
    await poller;
    pooled.close();

    const answered = new Set([...keptAlive!.answered, ...reconnected!.answered]);
    const failures = [...keptAlive!.failures, ...reconnected!.failures];
    await untilLogged(service, answered.size);
    const lost = lostReviews(service.reviewed, { ...keptAlive!, answered });
    const renewals = service
      .lines()
      .map((line) => JSON.parse(line) as { msg?: string; reasons?: string[] })
      .filter((entry) => entry.msg === 'serving certificate updated');
    const caRollovers = renewals.filter((entry) => entry.reasons?.includes('the CA is due for renewal')).length;
    const largestBundle = Math.max(...[...bundles].map((pem) => pem.match(/BEGIN CERTIFICATE/g)?.length ?? 0));

    printSummary(
      `certificate rotation: ${answered.size + failures.length} reviews in ${seconds(SECONDS * 1000)} (${keptAlive!.sent} over keep-alive, ${reconnected!.sent} on new connections), ` +
        `${failures.length} failed, ${lost.length} lost; ${renewals.length} renewals (${caRollovers} CA rollovers), ${fingerprints.size} serving certificates and ${bundles.size} caBundles seen, up to ${largestBundle} CAs in one`,
    );
    expect(failures.length, `${describeFailures(failures)}\n${diagnosis(service)}`).toBe(0);
    expect(lost).toEqual([]);
    // The rotation did happen under the load: several certificates served, a CA rolled over with both published meanwhile.
    expect(fingerprints.size).toBeGreaterThanOrEqual(3);
    expect(caRollovers).toBeGreaterThanOrEqual(1);
    expect(largestBundle).toBe(2);
    expect(crashSigns(service.stderr())).toEqual([]);
  });
});
