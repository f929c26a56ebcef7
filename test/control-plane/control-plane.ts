import { KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveBinaries } from './binaries.ts';
import type { Binaries } from './binaries.ts';
import { etcdArgs, kubeApiserverArgs } from './flags.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { runKubectl } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { newRunRecordPath, ownRunRecord, reapLeftovers, writeRunRecord } from './leftovers.ts';
import { launch } from './launch.ts';
import { createNamespace } from './namespaces.ts';
import { writePki } from './pki.ts';
import type { SupervisedProcess } from './supervised-process.ts';

export interface ControlPlaneOptions {
  /** Defaults to resolveBinaries(): $KUBEBUILDER_ASSETS, else built from the Go modules. */
  readonly binaries?: Binaries;
  /** Where to write the kubeconfig; defaults to a file in the temp dir. Removed by stop(). */
  readonly kubeconfigPath?: string;
  /** Per process: how long etcd and then kube-apiserver may take to become ready. */
  readonly startTimeoutMs?: number;
  /** Extra kube-apiserver flags, appended after (and so overriding) the defaults. */
  readonly apiserverArgs?: readonly string[];
  /** Receives progress lines; defaults to stderr. */
  readonly log?: (line: string) => void;
}

/** What tests need to reach the cluster; plain data, so Vitest can hand it to workers. */
export interface ControlPlaneInfo {
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly token: string;
  /** Holds kube-apiserver.log and etcd.log, e.g. to see why a webhook call failed. */
  readonly logDir: string;
}

interface Parts {
  readonly server: string;
  readonly token: string;
  readonly caPem: string;
  readonly kubeconfigPath: string;
  readonly etcdUrl: string;
  readonly tempDir: string;
  readonly etcd: SupervisedProcess;
  readonly apiserver: SupervisedProcess;
  readonly cleanup: () => Promise<void>;
}

/**
 * A real etcd and kube-apiserver running as local processes, the way controller-runtime's
 * envtest runs them: no kubelet and no controller-manager, so Pods are stored, never run.
 */
export class ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Bearer token of `admin`, a member of system:masters. */
  readonly token: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  readonly caPem: string;
  readonly kubeconfigPath: string;
  readonly etcdUrl: string;
  /** Holds etcd's data, certificates, keys and both processes' logs. */
  readonly tempDir: string;
  readonly #parts: Parts;
  #stopping: Promise<void> | undefined;

  private constructor(parts: Parts) {
    this.server = parts.server;
    this.token = parts.token;
    this.caPem = parts.caPem;
    this.kubeconfigPath = parts.kubeconfigPath;
    this.etcdUrl = parts.etcdUrl;
    this.tempDir = parts.tempDir;
    this.#parts = parts;
  }

  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    return new ControlPlane(await startParts(options));
  }

  get processes(): { readonly etcd: SupervisedProcess; readonly kubeApiserver: SupervisedProcess } {
    return { etcd: this.#parts.etcd, kubeApiserver: this.#parts.apiserver };
  }

  info(): ControlPlaneInfo {
    return { kubeconfigPath: this.kubeconfigPath, server: this.server, token: this.token, logDir: this.tempDir };
  }

  /** A fresh client-node KubeConfig for the admin user. */
  kubeConfig(): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(this.kubeconfigPath);
    return kubeConfig;
  }

  kubectl(args: readonly string[], options?: KubectlOptions): Promise<string> {
    return runKubectl(this.kubeconfigPath, args, options);
  }

  /** Creates `name` with its `default` ServiceAccount (see namespaces.ts); resolves to `name`. */
  createNamespace(name: string, labels?: Readonly<Record<string, string>>): Promise<string> {
    return createNamespace(this.kubeConfig(), { name, labels });
  }

  /** Stops kube-apiserver, then etcd, and removes every file the control plane wrote. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#parts.apiserver.stop();
      await this.#parts.etcd.stop();
      await this.#parts.cleanup();
    })();
    return this.#stopping;
  }
}

async function startParts(options: ControlPlaneOptions): Promise<Parts> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[control-plane] ${line}\n`));
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  await reapLeftovers(log);
  const binaries = options.binaries ?? (await resolveBinaries({ log }));
  const startedAt = Date.now();

  const tempDir = await mkdtemp(path.join(tmpdir(), 'control-plane-'));
  const kubeconfigPath = options.kubeconfigPath ?? path.join(tempDir, 'kubeconfig');
  const files = path.dirname(kubeconfigPath) === tempDir ? [] : [kubeconfigPath];
  const recordFile = newRunRecordPath();
  const running: SupervisedProcess[] = [];
  const onStarted = async (started: SupervisedProcess) => {
    running.push(started);
    await writeRunRecord(recordFile, ownRunRecord(tempDir, files, running));
  };
  const cleanup = async () => {
    await rm(tempDir, { recursive: true, force: true });
    for (const file of files) await rm(file, { force: true });
    await rm(recordFile, { force: true });
  };
  await writeRunRecord(recordFile, ownRunRecord(tempDir, files, running));

  try {
    // Keys are generated while etcd starts: together they take a few hundred milliseconds.
    const [etcdLaunch, pkiWrite] = await Promise.allSettled([
      launch({
        name: 'etcd',
        executable: binaries.etcd,
        portCount: 2,
        args: ([client = 0, peer = 0]) => etcdArgs(path.join(tempDir, 'etcd'), client, peer),
        probe: ([client]) => ({ url: `http://127.0.0.1:${client}/health` }),
        dir: tempDir,
        timeoutMs,
        onStarted,
      }),
      writePki(path.join(tempDir, 'pki')),
    ]);
    if (etcdLaunch.status === 'rejected') throw etcdLaunch.reason;
    if (pkiWrite.status === 'rejected') throw pkiWrite.reason;
    const etcd = etcdLaunch.value;
    const pki = pkiWrite.value;
    const etcdUrl = `http://127.0.0.1:${etcd.ports[0]}`;

    const apiserver = await launch({
      name: 'kube-apiserver',
      executable: binaries.kubeApiserver,
      portCount: 1,
      args: ([port = 0]) => [...kubeApiserverArgs(etcdUrl, port, pki), ...(options.apiserverArgs ?? [])],
      probe: ([port]) => ({
        url: `https://127.0.0.1:${port}/readyz`,
        ca: pki.caPem,
        headers: { Authorization: `Bearer ${pki.adminToken}` },
      }),
      dir: tempDir,
      timeoutMs,
      onStarted,
    });
    const server = `https://127.0.0.1:${apiserver.ports[0]}`;
    await writeKubeconfig(kubeconfigPath, { server, caPem: pki.caPem, token: pki.adminToken });
    log(`${server} ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; logs in ${tempDir}`);
    return {
      server,
      token: pki.adminToken,
      caPem: pki.caPem,
      kubeconfigPath,
      etcdUrl,
      tempDir,
      etcd: etcd.process,
      apiserver: apiserver.process,
      cleanup,
    };
  } catch (error) {
    for (const started of running.reverse()) await started.stop();
    await cleanup();
    throw error;
  }
}
