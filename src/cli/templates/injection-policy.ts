import type { InjectionPolicy } from '../../injection/injector.ts';
import { protectedNamespaces } from '../../injection/protected-namespaces.ts';

/** The namespace k8s/ installs the injector into; its own pods are never injected. */
export const DEFAULT_INJECTOR_NAMESPACE = 'sidecar-injector';

/** The policy the service builds from POD_NAMESPACE, built here from `--injector-namespace`. */
export function cliInjectionPolicy(injectorNamespace: string): InjectionPolicy {
  return { protectedNamespaces: new Set(protectedNamespaces(injectorNamespace)) };
}
