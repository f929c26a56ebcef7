import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AdmissionregistrationV1Api, CoreV1Api, EventsV1Api, KubeConfig, KubernetesObject, KubernetesObjectApi, V1MicroTime } from '@kubernetes/client-node';

/**
 * client-node takes about half of a cold start to import, so it is loaded only once
 * credentials are found: out of cluster without one, the service starts without it.
 */
type ClientNode = typeof import('@kubernetes/client-node');

/** The API clients the service uses, all from one KubeConfig, and the few client-node tools beside them. */
export class KubeClients {
  readonly core: CoreV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly events: EventsV1Api;
  /** Generic object API: the way to server-side apply. */
  readonly objects: KubernetesObjectApi;

  constructor(
    private readonly clientNode: ClientNode,
    readonly kubeConfig: KubeConfig,
    /** Where the credentials came from, for logs: "in-cluster service account" or a kubeconfig path. */
    readonly source: string,
  ) {
    this.core = kubeConfig.makeApiClient(clientNode.CoreV1Api);
    this.admission = kubeConfig.makeApiClient(clientNode.AdmissionregistrationV1Api);
    this.events = kubeConfig.makeApiClient(clientNode.EventsV1Api);
    this.objects = clientNode.KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  /** Server-side apply with force: the manager takes the fields it applies, leaves the others alone. */
  apply<T extends KubernetesObject>(object: T, fieldManager: string): Promise<T> {
    return this.objects.patch(object, undefined, undefined, fieldManager, true, this.clientNode.PatchStrategy.ServerSideApply);
  }

  /** Streams watch events for `path` until aborted; `done` reports how the stream ended. */
  watch<T>(path: string, query: Record<string, string>, onEvent: (type: string, object: T) => void, done: (error: unknown) => void): Promise<AbortController> {
    return new this.clientNode.Watch(this.kubeConfig).watch(path, query, onEvent, done);
  }

  /** A MicroTime (events.k8s.io eventTime) that serialises with microseconds, as the apiserver requires. */
  microTimeNow(): V1MicroTime {
    return new this.clientNode.V1MicroTime();
  }
}

/** Whether a cluster is reachable in principle, and if not, why not (for one clear log line). */
export type KubernetesAccess = { readonly clients: KubeClients } | { readonly clients: undefined; readonly reason: string };

/** Where to look for credentials; the service passes its validated config. */
export interface KubernetesLocation {
  readonly inCluster: boolean;
  /** A kubeconfig path, or a KUBECONFIG-style list of them. */
  readonly kubeconfig: string | undefined;
}

/**
 * Finds credentials the way kubectl and client-go do: the pod's service account in a
 * cluster, else KUBECONFIG, else ~/.kube/config. client-node would otherwise fall back
 * to http://localhost:8080, which only hides that there is no cluster.
 */
export async function discoverKubernetes(location: KubernetesLocation): Promise<KubernetesAccess> {
  if (location.inCluster) {
    const clientNode = await import('@kubernetes/client-node');
    const kubeConfig = new clientNode.KubeConfig();
    kubeConfig.loadFromCluster();
    return { clients: new KubeClients(clientNode, kubeConfig, 'in-cluster service account') };
  }
  const listed = (location.kubeconfig ?? '').split(':').filter((path) => path !== '');
  const defaultPath = join(homedir(), '.kube', 'config');
  const paths = (listed.length > 0 ? listed : [defaultPath]).filter((path) => existsSync(path));
  if (paths.length === 0) {
    return { clients: undefined, reason: listed.length > 0 ? `KUBECONFIG ${listed.join(':')} does not exist` : 'no in-cluster service account, no KUBECONFIG and no ~/.kube/config' };
  }
  const clientNode = await import('@kubernetes/client-node');
  const kubeConfig = new clientNode.KubeConfig();
  try {
    // As kubectl merges KUBECONFIG: the first file that names a current context decides it.
    for (const path of paths) {
      const next = new clientNode.KubeConfig();
      next.loadFromFile(path);
      kubeConfig.mergeConfig(next, Boolean(kubeConfig.getCurrentContext()));
    }
  } catch (error) {
    return { clients: undefined, reason: `cannot load kubeconfig ${paths.join(':')}: ${(error as Error).message}` };
  }
  if (!kubeConfig.getCurrentCluster()) return { clients: undefined, reason: `kubeconfig ${paths.join(':')} has no current cluster` };
  return { clients: new KubeClients(clientNode, kubeConfig, `kubeconfig ${paths.join(':')} (context ${kubeConfig.getCurrentContext()})`) };
}
