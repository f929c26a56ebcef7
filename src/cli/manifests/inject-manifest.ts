import { decideInjection, type InjectionDecision, type InjectionPolicy } from '../../injection/injector.ts';
import type { JsonPatch } from '../../injection/json-patch.ts';
import type { SidecarConfig } from '../../injection/sidecar-config.ts';
import { parsePointerTokens } from './apply-patch.ts';
import { JsonDocument } from './json-manifest.ts';
import type { Manifest, ManifestDocument } from './manifest.ts';
import { podAdmissionRequest, podNamespace } from './pod-admission-request.ts';
import { findPodLocations, formatPath, isRecord, type PodLocation } from './pod-locations.ts';

export interface InjectOptions {
  readonly config: SidecarConfig;
  readonly policy: InjectionPolicy;
  /** `-n`: the namespace of documents that name none. */
  readonly namespace: string | undefined;
}

/** What the engine decided for one Pod or pod template. */
export interface LocationOutcome {
  readonly document: number;
  /** `spec.template`, `items[1].spec.template`; '' for a Pod document. */
  readonly field: string;
  /** `Deployment web`, `Pod nginx`. */
  readonly object: string;
  readonly namespace: string;
  readonly decision: InjectionDecision;
  /** The engine's notes for the pod's author: what the webhook returns as AdmissionResponse warnings. */
  readonly warnings: readonly string[];
}

/**
 * Runs every Pod and pod template of the manifest through the webhook's engine and applies
 * each patch where the pod lives in the document. Refused locations are left as they are;
 * the caller decides whether a refusal fails the run.
 */
export function injectManifest(manifest: Manifest, options: InjectOptions): LocationOutcome[] {
  const outcomes: LocationOutcome[] = [];
  for (const document of manifest.documents()) {
    for (const location of findPodLocations(document.value)) {
      const namespace = podNamespace(location, options.namespace);
      const request = podAdmissionRequest(location, namespace, `sidecar-injector-cli-${document.index}-${formatPath(location.path)}`);
      const decision = decideInjection(request, options.config, options.policy);
      if (decision.outcome === 'injected') applyPatch(document, location, decision.patch);
      outcomes.push({ document: document.index, field: formatPath(location.path), object: describe(location), namespace, decision, warnings: decision.warnings ?? [] });
    }
  }
  return outcomes;
}

function applyPatch(document: ManifestDocument, location: PodLocation, patch: JsonPatch): void {
  // The engine saw the template as a pod with metadata (its generated name); a template
  // may have none, and then gets one holding what the patch adds under it.
  const hasMetadata = isRecord(location.value) && isRecord(location.value['metadata']);
  const underMetadata = (operation: JsonPatch[number]) => location.isTemplate && !hasMetadata && operation.path.startsWith('/metadata/');
  if (patch.some(underMetadata)) {
    const metadata = new JsonDocument({});
    for (const operation of patch.filter(underMetadata)) metadata.add(parsePointerTokens(operation.path).slice(1), operation.value);
    document.add([...location.path, 'metadata'], metadata.value, { first: true });
  }
  for (const operation of patch) if (!underMetadata(operation)) document.add([...location.path, ...parsePointerTokens(operation.path)], operation.value);
}

function describe(location: PodLocation): string {
  const name = location.owner.name ?? (location.owner.generateName ? `${location.owner.generateName}(generated)` : '(unnamed)');
  return `${location.owner.kind} ${name}`;
}
