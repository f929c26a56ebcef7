import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { ControlPlaneInfo } from './control-plane.ts';
import { runKubectl } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { createNamespace } from './namespaces.ts';

export interface TestCluster {
  readonly info: ControlPlaneInfo;
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  kubectl(args: readonly string[], options?: KubectlOptions): Promise<string>;
  /**
   * A new namespace named `<prefix>-<random>` with its `default` ServiceAccount. Every test
   * needs its own: without kube-controller-manager a deleted namespace never goes away.
   */
  createNamespace(prefix?: string, labels?: Readonly<Record<string, string>>): Promise<string>;
}

/** The shared control plane started by global-setup.ts, seen from inside a test file. */
export function testCluster(info: ControlPlaneInfo | undefined = inject('controlPlane')): TestCluster {
  if (!info) {
    throw new Error("no control plane was provided: add 'test/control-plane/global-setup.ts' to this Vitest project's globalSetup");
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(info.kubeconfigPath);
  return {
    info,
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    kubectl: (args, options) => runKubectl(info.kubeconfigPath, args, options),
    createNamespace: (prefix = 'test', labels) => createNamespace(kubeConfig, { generateName: `${prefix}-`, labels }),
  };
}
