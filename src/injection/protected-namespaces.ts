/** Namespaces whose pods are never injected, whatever the configuration says. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/**
 * The one list the engine skips and the registration excludes: the cluster's own
 * namespaces, so a broken injector cannot stop system pods, and the injector's own, so it
 * can always start the replicas that would fix it. Both sides read it from here so they
 * can never disagree about lockout safety.
 */
export function protectedNamespaces(ownNamespace: string): readonly string[] {
  return [...new Set([...SYSTEM_NAMESPACES, ownNamespace])];
}
