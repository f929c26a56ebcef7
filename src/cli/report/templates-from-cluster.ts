import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { clusterError, KubeApiError, type KubeConnection } from '../kube/kube-connection.ts';
import { parseSidecarConfigText, type LoadedSidecarConfig } from '../templates/load-sidecar-config.ts';

/** The templates the running injector serves: the ConfigMap mounted as its SIDECAR_CONFIG (k8s/kustomization.yaml). */
export async function templatesFromConfigMap(connection: KubeConnection, reference: string, key: string): Promise<LoadedSidecarConfig> {
  const [namespace, name] = reference.includes('/') ? reference.split('/', 2) : [undefined, reference];
  if (!namespace || !name) throw new CliError([`--configmap ${reference}: expected namespace/name`], ExitCode.usage);
  const source = `configmap ${namespace}/${name}, key ${key}`;
  let data: Readonly<Record<string, string>> | undefined;
  try {
    const { body } = await connection.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`);
    data = body.data;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      throw new CliError([`no ConfigMap ${namespace}/${name}: name the injector's templates with --configmap, or give them with --config FILE`], ExitCode.cluster);
    }
    throw clusterError(`cannot read ConfigMap ${namespace}/${name}`, error);
  }
  const text = data?.[key];
  if (text === undefined) {
    throw new CliError([`ConfigMap ${namespace}/${name} has no key ${key} (it has: ${Object.keys(data ?? {}).join(', ') || 'none'}); choose one with --configmap-key`], ExitCode.cluster);
  }
  return parseSidecarConfigText(text, source);
}
