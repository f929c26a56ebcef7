/** What a stale pod is restarted through: its top controller, or the pod itself. */
export interface Owner {
  readonly kind: string;
  readonly name: string;
}

export interface RolloutAdvice {
  readonly command: string;
  /** Why this command, when it is not a rollout. */
  readonly note?: string;
}

const ROLLOUT_KINDS: Readonly<Record<string, string>> = { Deployment: 'deployment', StatefulSet: 'statefulset', DaemonSet: 'daemonset' };

/**
 * The command that replaces a group's pods. Controllers with a rollout restart are
 * rolled (respecting their update strategy); others recreate deleted pods; a pod
 * without a controller must be created again by whoever made it.
 */
export function rolloutAdvice(namespace: string, owner: Owner, pods: readonly string[]): RolloutAdvice {
  const resource = ROLLOUT_KINDS[owner.kind];
  if (resource) return { command: `kubectl rollout restart ${resource}/${owner.name} -n ${namespace}` };
  const remove = `kubectl delete pod -n ${namespace} ${[...pods].sort().join(' ')}`;
  if (owner.kind === 'Pod') return { command: remove, note: 'no controller: create it again from its manifest' };
  return { command: remove, note: `its ${owner.kind} replaces deleted pods` };
}
