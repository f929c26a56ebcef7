import type { TestProject } from 'vitest/node';
import { ControlPlane } from './control-plane.ts';
import type { ControlPlaneInfo } from './control-plane.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneInfo;
  }
}

/**
 * One control plane for the whole e2e run: starting one costs seconds, and fresh namespaces
 * already keep tests apart. Tests reach it through `inject('controlPlane')` (see test-cluster.ts).
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane = await ControlPlane.start();
  project.provide('controlPlane', controlPlane.info());
  return () => controlPlane.stop();
}
