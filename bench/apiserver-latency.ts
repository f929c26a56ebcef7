import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { ControlPlane } from '../test/control-plane/control-plane.ts';
import { freePort, startService } from './lib/processes.ts';

export interface Percentiles {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface ApiserverReport {
  readonly pods: number;
  readonly without: Percentiles;
  readonly with: Percentiles;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
  return { p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: at(1) };
}

function pod(index: number): V1Pod {
  return { metadata: { name: `bench-${index}` }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
}

/**
 * Pod creation as users feel it: sequential creates through the real kube-apiserver into
 * a namespace the webhook ignores and one it injects, interleaved so drift hits both alike.
 * The difference is what the webhook adds: the apiserver's call, TLS, the review, the patch.
 */
export async function measureApiserverLatency(pods: number): Promise<ApiserverReport> {
  const controlPlane = await ControlPlane.start({ log: () => undefined });
  try {
    const own = await controlPlane.createNamespace('bench-injector');
    const plain = await controlPlane.createNamespace('bench-plain');
    const injected = await controlPlane.createNamespace('bench-injected', { bench: 'on' });
    const port = await freePort();
    const service = await startService({
      PORT: String(port),
      KUBECONFIG: controlPlane.kubeconfigPath,
      WEBHOOK_REGISTRATION: 'enabled',
      WEBHOOK_URL: `https://127.0.0.1:${port}/inject`,
      NAMESPACE_SELECTOR: 'bench=on',
      POD_NAMESPACE: own,
      LOG_LEVEL: 'warn',
    });
    try {
      const core = controlPlane.kubeConfig().makeApiClient(CoreV1Api);
      // The apiserver picks up a new webhook configuration a moment after it is stored.
      for (let attempt = 0; ; attempt++) {
        const probe = await core.createNamespacedPod({ namespace: injected, body: pod(-1), dryRun: 'All' });
        if (probe.spec!.containers.length > 1) break;
        if (attempt > 200) throw new Error('the webhook never took effect');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const timings: Record<'without' | 'with', number[]> = { without: [], with: [] };
      for (let index = 0; index < pods + 20; index++) {
        for (const [kind, namespace] of [
          ['without', plain],
          ['with', injected],
        ] as const) {
          const started = performance.now();
          const created = await core.createNamespacedPod({ namespace, body: pod(index) });
          const elapsed = performance.now() - started;
          if (kind === 'with' && created.spec!.containers.length !== 2) throw new Error('a pod was not injected');
          if (index >= 20) timings[kind].push(elapsed);
        }
      }
      return { pods, without: percentiles(timings.without), with: percentiles(timings.with) };
    } finally {
      await service.stop();
    }
  } finally {
    await controlPlane.stop();
  }
}
