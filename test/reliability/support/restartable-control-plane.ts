import { join } from 'node:path';
import { AdmissionregistrationV1Api, type V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { ControlPlane } from '../../control-plane/control-plane.ts';
import { kubeApiserverArgs } from '../../control-plane/flags.ts';
import type { Pki } from '../../control-plane/pki.ts';
import { waitUntilReady } from '../../control-plane/readiness.ts';
import { startSupervised, type SupervisedProcess } from '../../control-plane/supervised-process.ts';

/**
 * A control plane of this test's own whose kube-apiserver can be stopped and started again
 * on the same address, with the same certificates, tokens and etcd: to the injector it is
 * the same cluster going away and coming back. (The shared control plane of the cluster
 * project must never be stopped; this one belongs to the test that made it.)
 */
export class RestartableControlPlane {
  readonly admission: AdmissionregistrationV1Api;
  #apiserver: SupervisedProcess;
  #restarts = 0;

  private constructor(readonly plane: ControlPlane) {
    this.#apiserver = plane.processes.kubeApiserver;
    this.admission = plane.kubeConfig().makeApiClient(AdmissionregistrationV1Api);
  }

  static async start(): Promise<RestartableControlPlane> {
    return new RestartableControlPlane(await ControlPlane.start());
  }

  get kubeconfigPath(): string {
    return this.plane.kubeconfigPath;
  }

  get isApiserverRunning(): boolean {
    return this.#apiserver.exitStatus() === undefined;
  }

  /** SIGTERM, as when its pod is deleted or its node drained; resolves once it has exited. */
  async stopApiserver(): Promise<void> {
    await this.#apiserver.stop();
  }

  /** Starts kube-apiserver again with the flags it first had and waits until /readyz answers 200. */
  async startApiserver(): Promise<void> {
    if (this.isApiserverRunning) return;
    const first = this.plane.processes.kubeApiserver;
    const port = Number(new URL(this.plane.server).port);
    const pkiDir = join(this.plane.tempDir, 'pki');
    const pki: Pki = {
      dir: pkiDir,
      caPem: this.plane.caPem,
      adminToken: this.plane.token,
      servingCert: join(pkiDir, 'apiserver.crt'),
      servingKey: join(pkiDir, 'apiserver.key'),
      serviceAccountKey: join(pkiDir, 'sa.key'),
      serviceAccountPublicKey: join(pkiDir, 'sa.pub'),
      tokenAuthFile: join(pkiDir, 'tokens.csv'),
    };
    // Under the same watchdog as the first one, so it dies with this process whatever happens.
    const restarted = await startSupervised({
      name: 'kube-apiserver',
      executable: first.executable,
      args: kubeApiserverArgs(this.plane.etcdUrl, port, pki),
      logFile: first.logFile,
      pidFile: join(this.plane.tempDir, `kube-apiserver.restart-${++this.#restarts}.pid`),
    });
    this.#apiserver = restarted;
    await waitUntilReady({
      url: `${this.plane.server}/readyz`,
      ca: this.plane.caPem,
      headers: { Authorization: `Bearer ${this.plane.token}` },
      timeoutMs: 60_000,
      gaveUp: () => {
        const exit = restarted.exitStatus();
        return exit === undefined ? undefined : `kube-apiserver ${exit}: ${restarted.logTail(20)}`;
      },
    });
  }

  /** The webhook configuration named `name`, or undefined when there is none. */
  async webhookConfiguration(name: string): Promise<V1MutatingWebhookConfiguration | undefined> {
    try {
      return await this.admission.readMutatingWebhookConfiguration({ name });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#apiserver.stop();
    await this.plane.stop();
  }
}

/** The CA bundle (PEM) the apiserver holds for the webhook: what it verifies the injector against. */
export function publishedBundle(configuration: V1MutatingWebhookConfiguration | undefined): string | undefined {
  const encoded = configuration?.webhooks?.[0]?.clientConfig.caBundle;
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}
