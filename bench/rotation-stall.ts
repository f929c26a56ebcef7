// Event-loop delay while the service renews its serving certificate and rolls its CA over,
// in-process (the compiled service from dist/), idle and under a keep-alive request load.
// Delay is sampled in 100 ms windows; a window counts as a rotation if a new identity was
// swapped in during it or the window before (key generation starts up to ~200 ms earlier).
// Usage: npm run build && node bench/rotation-stall.ts [seconds per scenario]
import { Agent, request } from 'node:https';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Bootstrap = typeof import('../src/bootstrap.ts');
type Config = typeof import('../src/config/app-config.ts');
type Certificates = typeof import('../src/certificates/certificates.service.ts');
type Serving = typeof import('../src/serving/serving.service.ts');

const dist = (file: string) => pathToFileURL(fileURLToPath(new URL(`../dist/${file}`, import.meta.url))).href;
// The compiled service: Node's type stripping cannot run Nest's decorators from src/.
const { startApplication } = (await import(dist('bootstrap.js'))) as Bootstrap;
const { loadAppConfig } = (await import(dist('config/app-config.js'))) as Config;
const { CertificatesService } = (await import(dist('certificates/certificates.service.js'))) as Certificates;
const { ServingService } = (await import(dist('serving/serving.service.js'))) as Serving;

const seconds = Number(process.argv[2] ?? 12);
const WINDOW_MS = 100;
const review = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'bench',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    operation: 'CREATE',
    namespace: 'bench',
    userInfo: { username: 'bench' },
    object: { metadata: { name: 'nginx', namespace: 'bench' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
  },
});

interface Window {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly end: number;
}

interface Scenario {
  readonly label: string;
  readonly env: Record<string, string>;
  readonly load: boolean;
}

async function measure(scenario: Scenario) {
  const tlsDir = mkdtempSync(join(tmpdir(), 'bench-rotation-'));
  const config = { ...loadAppConfig({ TLS_DIR: tlsDir, WEBHOOK_REGISTRATION: 'disabled', LOG_LEVEL: 'error', ...scenario.env }), port: 0, healthPort: 0 };
  const app = await startApplication(config, { logger: false });
  const certificates = app.get(CertificatesService);
  const serving = app.get(ServingService);
  await serving.whenListening();

  const swaps: { at: number; ca: boolean }[] = [];
  let bundle = certificates.current()?.caBundle;
  const subscription = certificates.identity$.subscribe((identity) => {
    swaps.push({ at: performance.now(), ca: identity.caBundle !== bundle });
    bundle = identity.caBundle;
  });
  let stopped = false;
  const latencies: { at: number; ms: number }[] = [];
  const client = scenario.load
    ? keepAliveLoad(
        serving.webhookPort!,
        () => certificates.current()!.caBundle!,
        () => stopped,
        latencies,
      )
    : Promise.resolve();

  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const windows: Window[] = [];
  const deadline = performance.now() + seconds * 1_000;
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    windows.push({ maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, end: performance.now() });
    histogram.reset();
  }
  histogram.disable();
  stopped = true;
  await client;
  subscription.unsubscribe();
  await app.close();
  rmSync(tlsDir, { recursive: true, force: true });
  swaps.shift();
  return { windows, swaps, latencies };
}

/** One sequential keep-alive client, rebuilt when the bundle changes, as the apiserver's is. */
async function keepAliveLoad(port: number, published: () => string, stopped: () => boolean, latencies: { at: number; ms: number }[]): Promise<void> {
  let ca = published();
  let agent = new Agent({ keepAlive: true, maxSockets: 1, ca, servername: 'localhost' });
  while (!stopped()) {
    if (published() !== ca) {
      agent.destroy();
      ca = published();
      agent = new Agent({ keepAlive: true, maxSockets: 1, ca, servername: 'localhost' });
    }
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      outgoing.on('error', reject);
      outgoing.end(review);
    });
    latencies.push({ at: performance.now(), ms: performance.now() - started });
  }
  agent.destroy();
}

/** A window shows a rotation if an identity was swapped in during it or the window before. */
function kindOf(window: Window, swaps: readonly { at: number; ca: boolean }[]): 'ca' | 'certificate' | 'none' {
  const near = swaps.filter((swap) => swap.at <= window.end && swap.at > window.end - 2 * WINDOW_MS);
  return near.some((swap) => swap.ca) ? 'ca' : near.length > 0 ? 'certificate' : 'none';
}

function summary(values: readonly number[]): string {
  if (values.length === 0) return '     -      -';
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[Math.floor(sorted.length / 2)]!.toFixed(1).padStart(6)} ${sorted.at(-1)!.toFixed(1).padStart(6)}`;
}

const scenarios: Scenario[] = [
  { label: 'serving cert every ~1 s', env: { TLS_CERT_VALIDITY: '3s', TLS_RENEW_BEFORE: '2s' }, load: false },
  { label: 'CA every ~2 s', env: { TLS_CERT_VALIDITY: '3s', TLS_RENEW_BEFORE: '2s', TLS_CA_VALIDITY: '4s' }, load: false },
  { label: 'serving cert, under load', env: { TLS_CERT_VALIDITY: '3s', TLS_RENEW_BEFORE: '2s' }, load: true },
  { label: 'CA, under load', env: { TLS_CERT_VALIDITY: '3s', TLS_RENEW_BEFORE: '2s', TLS_CA_VALIDITY: '4s' }, load: true },
];

function windowStats(windows: readonly Window[]): string {
  if (windows.length === 0) return '-'.padEnd(26);
  return `${summary(windows.map((window) => window.maxMs))} ${Math.max(...windows.map((window) => window.p99Ms))
    .toFixed(1)
    .padStart(6)} (${windows.length})`.padEnd(26);
}

process.stdout.write(`event-loop delay in ${WINDOW_MS} ms windows (monitorEventLoopDelay, 1 ms resolution), ${seconds} s per scenario, Node ${process.version}\n`);
process.stdout.write('window max: median and worst; p99: worst window. Quiet windows are the same run without a swap nearby, for comparison.\n');
process.stdout.write(`${'scenario'.padEnd(26)} ${'swaps (CA)'.padStart(10)} | ${'quiet: max med  worst  p99'.padEnd(26)} | ${'rotation: max med  worst  p99'.padEnd(26)} | request latency ms: med worst\n`);
for (const scenario of scenarios) {
  const { windows, swaps, latencies } = await measure(scenario);
  const quiet = windows.filter((window) => kindOf(window, swaps) === 'none');
  const rotating = windows.filter((window) => kindOf(window, swaps) !== 'none');
  const requests = latencies.length ? `${summary(latencies.map((latency) => latency.ms))} (${latencies.length} requests)` : '';
  const swapCount = `${swaps.length} (${swaps.filter((swap) => swap.ca).length})`;
  process.stdout.write(`${scenario.label.padEnd(26)} ${swapCount.padStart(10)} | ${windowStats(quiet)} | ${windowStats(rotating)} | ${requests}\n`);
}
