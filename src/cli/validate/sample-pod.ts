import { SIDECARS_KEY } from '../../injection/annotations.ts';
import type { Container, Pod } from '../../injection/kubernetes-types.ts';
import type { Sidecar } from '../../injection/sidecar-config.ts';

/**
 * The pod each template is rendered onto for a dry run: one small app container that
 * passes the `restricted` Pod Security Standard, so a refusal is the template's doing.
 * A template placed `before:` or `after:` an init container gets a pod that has it, so
 * the placement is the one the operator wrote, not the fallback. `annotations` set the
 * template's parameters.
 */
export function samplePod(sidecar: Sidecar, namespace: string, annotations: Readonly<Record<string, string>> = {}): Pod {
  const placement = sidecar.initPlacement;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'sidecar-injector-validate-', namespace, annotations: { [SIDECARS_KEY]: sidecar.name, ...annotations } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      ...('container' in placement ? { initContainers: [restricted(placement.container)] } : {}),
      containers: [restricted('app')],
    },
  };
}

function restricted(name: string): Container {
  return { name, image: 'registry.k8s.io/pause:3.10', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } };
}
