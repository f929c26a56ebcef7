import { KubeApiError, type KubeConnection } from '../kube/kube-connection.ts';
import type { Owner } from './owner.ts';
import type { StoredPod } from './pod-findings.ts';

interface OwnedObject {
  readonly metadata?: { readonly ownerReferences?: StoredPod['metadata']['ownerReferences'] };
}

/**
 * Finds the controller to restart: a pod's controller, and for a ReplicaSet the
 * Deployment that owns it (read once per ReplicaSet). A ReplicaSet that cannot be read
 * (gone, or not allowed) is restarted as itself.
 */
export class OwnerResolver {
  private readonly replicaSets = new Map<string, Promise<Owner>>();
  private readonly notes: string[] = [];

  constructor(private readonly connection: KubeConnection) {}

  /** Remarks for the user, such as a ReplicaSet that could not be read. */
  get warnings(): readonly string[] {
    return this.notes;
  }

  resolve(pod: StoredPod): Promise<Owner> {
    const controller = controllerOf(pod.metadata.ownerReferences);
    if (!controller) return Promise.resolve({ kind: 'Pod', name: pod.metadata.name });
    if (controller.kind !== 'ReplicaSet') return Promise.resolve(controller);
    const key = `${pod.metadata.namespace}/${controller.name}`;
    let owner = this.replicaSets.get(key);
    if (!owner) {
      owner = this.replicaSetOwner(pod.metadata.namespace, controller);
      this.replicaSets.set(key, owner);
    }
    return owner;
  }

  private async replicaSetOwner(namespace: string, replicaSet: Owner): Promise<Owner> {
    try {
      const { body } = await this.connection.get<OwnedObject>(`/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets/${encodeURIComponent(replicaSet.name)}`);
      const deployment = controllerOf(body.metadata?.ownerReferences);
      return deployment?.kind === 'Deployment' ? deployment : replicaSet;
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      this.notes.push(`cannot read ReplicaSet ${namespace}/${replicaSet.name} (${error.message}): its pods are listed under the ReplicaSet`);
      return replicaSet;
    }
  }
}

function controllerOf(references: StoredPod['metadata']['ownerReferences']): Owner | undefined {
  const controller = (references ?? []).find((reference) => reference.controller === true);
  return controller ? { kind: controller.kind, name: controller.name } : undefined;
}
