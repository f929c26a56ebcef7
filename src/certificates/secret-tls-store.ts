import { Logger } from '@nestjs/common';
import type { V1Secret } from '@kubernetes/client-node';
import { messageOf, statusOf } from '../kubernetes/api-errors.ts';
import type { KubeClients } from '../kubernetes/kube-clients.ts';
import { keepWatching } from '../kubernetes/watch-loop.ts';
import { secretFor, stateFromSecret } from './secret-format.ts';
import type { TlsState } from './tls-state.ts';
import type { StoredTls, TlsStore } from './tls-store.ts';

export interface SecretTlsStoreOptions {
  /** A blackholed apiserver must not hold a renewal (or the start) forever. */
  readonly requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The identity shared by every replica, in one Secret. Its resourceVersion is the lock:
 * a create that meets AlreadyExists, or a replace from a stale version, is a conflict,
 * and the caller reloads and re-plans. The watch brings renewals by other replicas.
 */
export class SecretTlsStore implements TlsStore {
  private readonly logger = new Logger(SecretTlsStore.name);
  readonly description: string;
  private readonly requestTimeoutMs: number;
  /** The version last read, so a replace keeps its type, labels and annotations. */
  private lastRead: V1Secret | undefined;
  /** The newest version this replica read or wrote: watch events for it are our own news. */
  private knownVersion: string | undefined;

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly name: string,
    options: SecretTlsStoreOptions = {},
  ) {
    this.description = `Secret ${namespace}/${name}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async load(): Promise<StoredTls | undefined> {
    let secret: V1Secret;
    try {
      secret = await this.call(this.clients.core.readNamespacedSecret({ name: this.name, namespace: this.namespace }));
    } catch (error) {
      if (statusOf(error) === 404) {
        this.lastRead = undefined;
        return undefined;
      }
      throw new Error(this.explain(error, 'get'));
    }
    this.lastRead = secret;
    this.knownVersion = secret.metadata?.resourceVersion;
    return { state: stateFromSecret(secret), version: secret.metadata?.resourceVersion };
  }

  async save(state: TlsState, version: string | undefined): Promise<'saved' | 'conflict'> {
    const base = version !== undefined && this.lastRead?.metadata?.resourceVersion === version ? this.lastRead : undefined;
    const body = secretFor(this.name, this.namespace, state, base);
    body.metadata = { ...body.metadata, resourceVersion: version, managedFields: undefined };
    let saved: V1Secret;
    try {
      saved =
        version === undefined
          ? await this.call(this.clients.core.createNamespacedSecret({ namespace: this.namespace, body }))
          : await this.call(this.clients.core.replaceNamespacedSecret({ name: this.name, namespace: this.namespace, body }));
    } catch (error) {
      // 409: AlreadyExists on create, or a stale resourceVersion on replace. 404: deleted since we read it.
      const status = statusOf(error);
      if (status === 409 || (status === 404 && version !== undefined)) return 'conflict';
      throw new Error(this.explain(error, version === undefined ? 'create' : 'update'));
    }
    this.lastRead = saved;
    this.knownVersion = saved.metadata?.resourceVersion;
    return 'saved';
  }

  watch(onChange: () => void): () => void {
    let lastReason: string | undefined;
    return keepWatching<V1Secret>({
      clients: this.clients,
      path: `/api/v1/namespaces/${this.namespace}/secrets`,
      name: this.name,
      onEvent: (phase, secret) => {
        if (phase === 'DELETED' || ((phase === 'ADDED' || phase === 'MODIFIED') && secret.metadata?.resourceVersion !== this.knownVersion)) onChange();
      },
      onReconnect: onChange,
      // A watch that cannot be opened only delays seeing another replica's renewal (the next
      // save still compares versions), so each new reason is said once, not every retry.
      onError: (error) => {
        const reason = this.explain(error, 'watch');
        if (reason !== lastReason) this.logger.warn({ msg: 'cannot watch the TLS Secret; renewals by other replicas arrive late', reason });
        lastReason = reason;
      },
    });
  }

  private call<T>(request: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
    });
    return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
  }

  /** One line that says what failed and, where it is ours to fix, how. */
  private explain(error: unknown, verb: 'get' | 'create' | 'update' | 'watch'): string {
    const detail = messageOf(error);
    switch (statusOf(error)) {
      case undefined:
        return `cannot reach the apiserver at ${this.clients.kubeConfig.getCurrentCluster()?.server ?? 'unknown'} (${detail})`;
      case 401:
        return `the apiserver rejected our credentials (${detail})`;
      case 403:
        return `forbidden to ${verb} it (${detail}): the service account needs get, create, update and watch on secrets in namespace ${this.namespace}`;
      default:
        return detail;
    }
  }
}
