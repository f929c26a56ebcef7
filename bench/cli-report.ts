// `sidecar-injector report` against the real test apiserver: one namespace of 10,000 pods
// (half injected from today's templates, half never injected), owned through a ReplicaSet
// by a Deployment each, listed 500 a page. Wall time of the real process, median of several
// runs. Goal (issue 11): 10,000 pods in under 10 s.
// Usage: npm run build && node bench/cli-report.ts [--quick]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { buildWebhookConfiguration } from '../src/webhook-registration/webhook-configuration.ts';
import { ControlPlane } from '../test/control-plane/control-plane.ts';
import { createDeploymentChain } from '../test/cli/support/owned-pods.ts';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const TEMPLATES = fileURLToPath(new URL('../config/sidecars.yaml', import.meta.url));
const quick = process.argv.includes('--quick');
const PODS = quick ? 2_000 : 10_000;
const runs = quick ? 1 : 3;
const WEBHOOK = 'bench.sidecar-injector.io';

/** The status annotation today's templates give a pod, from the command itself. */
function currentStatus(): string {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: a}]}\n';
  const result = spawnSync(process.execPath, [CLI, 'inject', '-f', '-', '--config', TEMPLATES, '-q'], { input: pod, encoding: 'utf8' });
  return (parse(result.stdout) as { metadata: { annotations: Record<string, string> } }).metadata.annotations['sidecar-injector.io/status']!;
}

const status = currentStatus();
const controlPlane = await ControlPlane.start({ log: () => undefined });
try {
  const kubeConfig = controlPlane.kubeConfig();
  // The registration the service would make; nothing answers it, and nothing needs to:
  // the pods are created before their namespace is selected.
  const registration = buildWebhookConfiguration(
    {
      registration: 'enabled',
      name: WEBHOOK,
      serviceName: 'x',
      serviceNamespace: 'sidecar-injector',
      servicePort: 443,
      url: 'https://127.0.0.1:1/inject',
      namespaceSelector: { matchLabels: { bench: 'on' } },
      failurePolicy: 'Ignore',
      timeoutSeconds: 1,
      reinvocationPolicy: 'Never',
      cleanupOnShutdown: false,
    },
    'sidecar-injector',
    undefined,
  );
  await kubeConfig.makeApiClient(AdmissionregistrationV1Api).createMutatingWebhookConfiguration({ body: registration });
  const namespace = await controlPlane.createNamespace('bench');
  const created = performance.now();
  await createDeploymentChain(kubeConfig, namespace, 'current', PODS / 2, { annotations: { 'sidecar-injector.io/status': status } });
  await createDeploymentChain(kubeConfig, namespace, 'stale', PODS / 2);
  const createSeconds = (performance.now() - created) / 1000;
  await controlPlane.kubectl(['label', 'namespace', namespace, 'bench=on']);

  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [CLI, 'report', '-n', namespace, '--webhook', WEBHOOK, '--config', TEMPLATES, '-o', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: controlPlane.kubeconfigPath },
      maxBuffer: 256 * 1024 * 1024,
    });
    times.push(performance.now() - started);
    if (result.status !== 1) throw new Error(`report exited ${result.status}: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as { checked: { pods: number }; stalePods: number };
    if (report.checked.pods !== PODS || report.stalePods !== PODS / 2) throw new Error(`report saw ${report.checked.pods} pods, ${report.stalePods} stale`);
  }
  const seconds = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]! / 1000;
  process.stdout.write(
    `- \`sidecar-injector report\`: ${PODS} pods in one namespace (${PODS / 2} stale, owners through ReplicaSets to Deployments), pages of 500, in **${seconds.toFixed(2)} s** (median of ${runs}, process start to exit, test apiserver on this machine): ${Math.round(PODS / seconds)} pods/s; goal 10,000 pods < 10 s ${seconds * (10_000 / PODS) < 10 ? 'met' : 'MISSED'} (creating the pods with server-side apply took ${createSeconds.toFixed(0)} s)\n`,
  );
} finally {
  await controlPlane.stop();
}
