import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, CoreV1Api, EventsV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

/** The API clients the service uses, all from one KubeConfig. */
export class KubeClients {
  readonly core: CoreV1Api;
  readonly admission: AdmissionregistrationV1Api;
  readonly events: EventsV1Api;
  /** Generic object API: the way to server-side apply. */
  readonly objects: KubernetesObjectApi;

  constructor(
    readonly kubeConfig: KubeConfig,
    /** Where the credentials came from, for logs: "in-cluster service account" or a kubeconfig path. */
    readonly source: string,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    this.events = kubeConfig.makeApiClient(EventsV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
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
export function discoverKubernetes(location: KubernetesLocation): KubernetesAccess {
  const kubeConfig = new KubeConfig();
  if (location.inCluster) {
    kubeConfig.loadFromCluster();
    return { clients: new KubeClients(kubeConfig, 'in-cluster service account') };
  }
  const listed = (location.kubeconfig ?? '').split(':').filter((path) => path !== '');
  const defaultPath = join(homedir(), '.kube', 'config');
  const paths = (listed.length > 0 ? listed : [defaultPath]).filter((path) => existsSync(path));
  if (paths.length === 0) {
    return { clients: undefined, reason: listed.length > 0 ? `KUBECONFIG ${listed.join(':')} does not exist` : 'no in-cluster service account, no KUBECONFIG and no ~/.kube/config' };
  }
  try {
    // As kubectl merges KUBECONFIG: the first file that names a current context decides it.
    for (const path of paths) {
      const next = new KubeConfig();
      next.loadFromFile(path);
      kubeConfig.mergeConfig(next, Boolean(kubeConfig.getCurrentContext()));
    }
  } catch (error) {
    return { clients: undefined, reason: `cannot load kubeconfig ${paths.join(':')}: ${(error as Error).message}` };
  }
  if (!kubeConfig.getCurrentCluster()) return { clients: undefined, reason: `kubeconfig ${paths.join(':')} has no current cluster` };
  return { clients: new KubeClients(kubeConfig, `kubeconfig ${paths.join(':')} (context ${kubeConfig.getCurrentContext()})`) };
}
