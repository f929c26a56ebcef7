import type { AdmissionRequest } from '../../injection/admission-review.ts';
import { decideInjection, type InjectionPolicy } from '../../injection/injector.ts';
import type { Container, JsonValue, Pod } from '../../injection/kubernetes-types.ts';
import type { SidecarConfig } from '../../injection/sidecar-config.ts';
import { clusterError, KubeApiError, type KubeConnection } from '../kube/kube-connection.ts';
import { applyPatchToObject } from '../manifests/apply-patch.ts';
import { samplePod } from './sample-pod.ts';

export type DryRunVerdict =
  | { readonly sidecar: string; readonly index: number; readonly accepted: true; readonly warnings: readonly string[] }
  | { readonly sidecar: string; readonly index: number; readonly accepted: false; readonly problems: readonly string[] };

/**
 * Renders each template onto the sample pod with the webhook's engine and asks the
 * apiserver to create the result with dryRun=All and fieldValidation=Strict: full
 * validation and admission, nothing stored. Strict turns an unknown field into a refusal.
 */
export async function dryRunTemplates(connection: KubeConnection, config: SidecarConfig, policy: InjectionPolicy, namespace: string): Promise<DryRunVerdict[]> {
  const verdicts: DryRunVerdict[] = [];
  for (const [index, name] of [...config.sidecars.keys()].entries()) {
    const pod = samplePod(name, namespace);
    const decision = decideInjection(sampleRequest(pod, namespace, name), config, policy);
    if (decision.outcome !== 'injected') {
      verdicts.push({ sidecar: name, index, accepted: false, problems: [`cannot be rendered onto a sample pod: ${decision.message}`] });
      continue;
    }
    const rendered = applyPatchToObject(pod, decision.patch);
    try {
      const { warnings } = await connection.post(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { dryRun: 'All', fieldValidation: 'Strict' }, rendered);
      verdicts.push({ sidecar: name, index, accepted: true, warnings });
    } catch (error) {
      if (!isRefusalOfTheObject(error)) throw clusterError(`cannot dry-run a pod in namespace ${namespace}`, error);
      verdicts.push({ sidecar: name, index, accepted: false, problems: refusalLines(error, rendered) });
    }
  }
  return verdicts;
}

function sampleRequest(pod: Pod, namespace: string, sidecar: string): AdmissionRequest {
  return { uid: `sidecar-injector-validate-${sidecar}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace, operation: 'CREATE', object: pod as JsonValue, dryRun: true };
}

/**
 * Invalid (422) and BadRequest (400, strict decoding) are about the object; so is a
 * Forbidden from admission (Pod Security), unlike RBAC's "cannot create resource".
 */
function isRefusalOfTheObject(error: unknown): error is KubeApiError {
  if (!(error instanceof KubeApiError)) return false;
  if (error.status === 422 || error.status === 400) return true;
  return error.status === 403 && !/cannot create resource/.test(error.apiMessage);
}

/** The apiserver's causes, with `spec.containers[1]` named after the container the template added. */
function refusalLines(error: KubeApiError, pod: Pod): string[] {
  const causes = error.causes.filter((cause) => cause.message);
  if (causes.length === 0) return [`the apiserver refuses it: ${nameContainers(error.apiMessage, pod)}`];
  return causes.map((cause) => `the apiserver refuses it: ${nameContainers(`${cause.field ? `${cause.field}: ` : ''}${cause.message}`, pod)}`);
}

function nameContainers(text: string, pod: Pod): string {
  return text.replace(/spec\.(containers|initContainers)\[(\d+)\][\w.[\]-]*"?/g, (path, list: string, index: string) => {
    const containers = (list === 'containers' ? pod.spec.containers : pod.spec.initContainers) as readonly Container[] | null | undefined;
    const container = containers?.[Number(index)];
    return container ? `${path} (container "${container.name}")` : path;
  });
}
