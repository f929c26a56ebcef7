import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { discoverKubernetes, type KubernetesAccess } from './kube-clients.ts';

/** Injection token of the KubernetesAccess found at start. */
export const KUBERNETES = Symbol('KubernetesAccess');

/** Kubernetes behind one provider: every module gets the same clients, or the same reason there are none. */
@Global()
@Module({
  providers: [{ provide: KUBERNETES, useFactory: (config: AppConfig): Promise<KubernetesAccess> => discoverKubernetes(config), inject: [APP_CONFIG] }],
  exports: [KUBERNETES],
})
export class KubernetesModule {}
