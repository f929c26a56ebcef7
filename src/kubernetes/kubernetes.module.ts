import { Global, Module } from '@nestjs/common';
import { discoverKubernetes } from './kube-clients.ts';

/** Injection token of the KubernetesAccess found at start. */
export const KUBERNETES = Symbol('KubernetesAccess');

/** Kubernetes behind one provider: every module gets the same clients, or the same reason there are none. */
@Global()
@Module({
  providers: [{ provide: KUBERNETES, useFactory: () => discoverKubernetes() }],
  exports: [KUBERNETES],
})
export class KubernetesModule {}
