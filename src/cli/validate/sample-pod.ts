import { SIDECARS_KEY } from '../../injection/annotations.ts';
import type { Pod } from '../../injection/kubernetes-types.ts';

/**
 * The pod each template is rendered onto for a dry run: one small app container that
 * passes the `restricted` Pod Security Standard, so a refusal is the template's doing.
 */
export function samplePod(sidecar: string, namespace: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'sidecar-injector-validate-', namespace, annotations: { [SIDECARS_KEY]: sidecar } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}
