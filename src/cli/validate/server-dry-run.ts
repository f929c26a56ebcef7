import type { AdmissionRequest } from '../../injection/admission-review.ts';
import { decideInjection, type InjectionPolicy } from '../../injection/injector.ts';
import type { Container, JsonValue, Pod } from '../../injection/kubernetes-types.ts';
import type { Sidecar, SidecarConfig } from '../../injection/sidecar-config.ts';
import { clusterError, KubeApiError, type KubeConnection } from '../kube/kube-connection.ts';
import { applyPatchToObject } from '../manifests/apply-patch.ts';
import { parameterSettings, type ParameterSetting } from './parameter-settings.ts';
import { renderNamespace } from './render-namespace.ts';
import { samplePod } from './sample-pod.ts';

/** The apiserver's verdict on one template, rendered once per parameter setting. */
export interface TemplateVerdict {
  readonly sidecar: string;
  readonly index: number;
  /** The namespace it was rendered for: the dry run's, unless the template may not be used there. */
  readonly renderedNamespace: string;
  readonly settings: readonly SettingVerdict[];
}

export interface SettingVerdict {
  readonly setting: ParameterSetting;
  /** Empty when the apiserver would create the pod. */
  readonly problems: readonly string[];
  /** The apiserver's warnings (deprecations, Pod Security in warn mode). */
  readonly warnings: readonly string[];
  /** What the engine would tell the pod's author; a sample pod should give none. */
  readonly engineWarnings: readonly string[];
}

/**
 * Renders each template onto the sample pod with the webhook's engine, at each parameter
 * setting an operator allowed, and asks the apiserver to create the result with
 * dryRun=All and fieldValidation=Strict: full validation and admission, nothing stored.
 * Strict turns an unknown field into a refusal.
 */
export async function dryRunTemplates(connection: KubeConnection, config: SidecarConfig, policy: InjectionPolicy, namespace: string): Promise<TemplateVerdict[]> {
  const verdicts: TemplateVerdict[] = [];
  for (const [index, sidecar] of [...config.sidecars.values()].entries()) {
    const renderedNamespace = renderNamespace(sidecar, namespace);
    const settings: SettingVerdict[] = [];
    for (const setting of parameterSettings(sidecar)) settings.push(await dryRunSetting(connection, config, policy, sidecar, setting, namespace, renderedNamespace));
    verdicts.push({ sidecar: sidecar.name, index, renderedNamespace, settings });
  }
  return verdicts;
}

async function dryRunSetting(connection: KubeConnection, config: SidecarConfig, policy: InjectionPolicy, sidecar: Sidecar, setting: ParameterSetting, namespace: string, renderedNamespace: string): Promise<SettingVerdict> {
  const pod = samplePod(sidecar, renderedNamespace, setting.annotations);
  const decision = decideInjection(sampleRequest(pod, renderedNamespace, sidecar.name), config, policy);
  const engineWarnings = decision.warnings ?? [];
  if (decision.outcome !== 'injected') return { setting, problems: [`cannot be rendered onto a sample pod: ${decision.message}`], warnings: [], engineWarnings };
  // Rendered as for a pod of its own namespace, created in the dry run's (which exists).
  const rendered = applyPatchToObject(pod, decision.patch);
  const body = { ...rendered, metadata: { ...rendered.metadata, namespace } };
  try {
    const { warnings } = await connection.post(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { dryRun: 'All', fieldValidation: 'Strict' }, body);
    return { setting, problems: [], warnings, engineWarnings };
  } catch (error) {
    if (!isRefusalOfTheObject(error)) throw clusterError(`cannot dry-run a pod in namespace ${namespace}`, error);
    return { setting, problems: refusalLines(error, rendered), warnings: [], engineWarnings };
  }
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
